package io.kubevaultauthrenewer.routefiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which route files Camel Main loads: the built-in ones named in {@code camel.main.routes-include-pattern}, those a
 * mode or a setting adds ({@code renewer.eviction-routes}, {@code renewer.init-routes}), and ROUTES_DIR's, which
 * replace the built-in files of the same name. Set before the routes are read.
 */
public final class RouteIncludes {

    private static final Logger LOG = LoggerFactory.getLogger(RouteIncludes.class);

    private final CamelContext context;
    private final MainConfigurationProperties main;

    public RouteIncludes(CamelContext context, MainConfigurationProperties main) {
        this.context = context;
        this.main = main;
    }

    /** Adds the route files the property {@code key} names. */
    public void add(String key) {
        main.setRoutesIncludePattern(main.getRoutesIncludePattern() + "," + files(key));
    }

    /** Loads only the route files the property {@code key} names (another mode's routes). */
    public void only(String key) {
        main.setRoutesIncludePattern(files(key));
    }

    private String files(String key) {
        return context.getPropertiesComponent().resolveProperty(key).orElseThrow();
    }

    /**
     * With ROUTES_DIR, its route files replace the built-in ones of the same file name, and add to them; with
     * ROUTES_RELOAD, edits are loaded as they are saved.
     *
     * @param dir ROUTES_DIR, or null
     * @param reload ROUTES_RELOAD
     * @return the watcher of ROUTES_DIR, or null
     */
    public RouteFiles overrideFrom(Path dir, boolean reload) {
        if (dir == null) {
            return null;
        }
        // route files are code: say so where the operator looks first, the start-up log
        LOG.info(
                "Route files of ROUTES_DIR {} run inside the renewer with its rights: they can read the variables"
                        + " file and call Vault with its token. Whoever can change them{} can read every secret of"
                        + " this pod (docs/operating.md, Trust boundaries)",
                dir.toAbsolutePath(),
                reload ? " (ROUTES_RELOAD=true: loaded as they change, without a restart)" : "");
        List<String> patterns = new ArrayList<>();
        for (String pattern : main.getRoutesIncludePattern().split(",")) {
            pattern = pattern.strip();
            if (!pattern.startsWith("classpath:")) {
                patterns.add(pattern);
                continue;
            }
            String folder = pattern.substring(0, pattern.lastIndexOf('/') + 1);
            if (!pattern.contains("*")) {
                // a named file: no need to search the jar for it
                keepUnlessReplaced(dir, folder, pattern.substring(folder.length()), patterns);
                continue;
            }
            try {
                for (Resource builtIn :
                        PluginHelper.getPackageScanResourceResolver(context).findResources(pattern)) {
                    String location = builtIn.getLocation();
                    keepUnlessReplaced(dir, folder, location.substring(location.lastIndexOf('/') + 1), patterns);
                }
            } catch (Exception e) {
                throw new IllegalStateException("Cannot list the built-in routes " + pattern, e);
            }
        }
        patterns.add("file:" + dir.toAbsolutePath() + "/*.camel.yaml");
        main.setRoutesIncludePattern(String.join(",", patterns));
        if (!reload) {
            return null;
        }
        RouteFiles watcher = new RouteFiles(dir.toAbsolutePath().toString());
        try {
            context.addService(watcher);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot watch ROUTES_DIR " + dir, e);
        }
        return watcher;
    }

    private static void keepUnlessReplaced(Path dir, String folder, String name, List<String> patterns) {
        if (Files.exists(dir.resolve(name))) {
            LOG.info("Route file {} replaces the built-in {}{}", dir.resolve(name), folder, name);
        } else {
            patterns.add(folder + name);
        }
    }
}
