package io.kubevaultauthrenewer.routefiles;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.spi.Resource;
import org.apache.camel.spi.ResourceLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's route-file watcher for ROUTES_DIR, made loud and made to see a ConfigMap volume.
 *
 * <p>A file that fails to load is an ERROR line naming it, and stays a failure (for {@link io.kubevaultauthrenewer.health.RoutesCheck}) until a later
 * edit loads. The kubelet updates a ConfigMap volume by writing a new {@code ..<timestamp>} directory and renaming a
 * {@code ..data} link onto it: the visible files are links that never change, and Camel's watcher skips the
 * {@code ..data} event (a directory). Any event on a {@code ..} entry (the {@code ..data_tmp} link, the old
 * timestamped directory removed last) therefore compares each visible file's content with what was last loaded, and
 * reloads exactly the changed ones. A removed file's routes are stopped and removed, or replaced by the built-in file
 * of that name, as a restart would; a file whose content did not change is not reloaded again.
 */
public final class RouteFiles extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFiles.class);
    private static final String SUFFIX = ".camel.yaml";

    private final Path dir;
    /** Each file's content hash as last loaded (or tried): after the constructor, the watcher's thread's only. */
    private final Map<Path, String> loaded = new HashMap<>();

    private volatile String lastFailure;
    private volatile Set<String> removedRoutes = Set.of();

    public RouteFiles(String directory) {
        super(directory, false);
        this.dir = Path.of(directory).normalize();
        // before Camel reads the files: a change made meanwhile is a change at the next event
        loaded.putAll(snapshot(dir));
        // replaces Camel's pattern filter (*.camel.yaml): also sees the kubelet's updates
        setFileFilter(this::accept);
        // one file's reload must not drop the routes of the others
        setRemoveAllRoutes(false);
    }

    /** Called by Camel's watcher for each event on a file (never on a directory, so never on {@code ..data}). */
    private boolean accept(File file) {
        String name = file.getName();
        if (name.startsWith("..")) {
            reloadChanged();
            return false;
        }
        Path path = dir.resolve(name);
        return name.endsWith(SUFFIX) && !Objects.equals(hash(path), loaded.get(path));
    }

    /** After a ConfigMap update: reloads the visible files whose content differs from what was last loaded. */
    private void reloadChanged() {
        Set<Path> changed;
        try {
            changed = changed(loaded, snapshot(dir));
        } catch (UncheckedIOException e) {
            LOG.error("Cannot list the route files in {}: {}", dir, e.getCause().getMessage());
            return;
        }
        if (changed.isEmpty()) {
            return;
        }
        ResourceLoader files = PluginHelper.getResourceLoader(getCamelContext());
        List<Resource> resources =
                changed.stream().map(p -> files.resolveResource("file:" + p)).toList();
        try {
            setLastError(null);
            onRouteReload(resources, false);
            incSucceededCounter();
        } catch (RuntimeException e) {
            // logged by onRouteReload; as Camel's watcher does with a failed file
            setLastError(e);
            incFailedCounter();
        }
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        List<String> names = new ArrayList<>();
        String removalFailure = null;
        for (Resource resource : resources == null ? List.<Resource>of() : resources) {
            Path path = pathOf(resource);
            // Camel's watcher passes a removed file too, and then does nothing with it
            String hash = path == null ? null : hash(path);
            if (path != null && hash == null) {
                loaded.remove(path);
                String failure = removed(path);
                removalFailure = failure != null ? failure : removalFailure;
            } else {
                if (path != null) {
                    loaded.put(path, hash);
                }
                names.add(resource.getLocation());
            }
        }
        try {
            super.onRouteReload(resources, removeEverything);
            lastFailure = removalFailure;
            Set<String> stillGone = new HashSet<>(removedRoutes);
            stillGone.removeIf(id -> getCamelContext().getRoute(id) != null);
            removedRoutes = Set.copyOf(stillGone);
            if (!names.isEmpty()) {
                LOG.info("Reloaded route file(s) {}", String.join(", ", names));
            }
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            // with only removals here, Camel failed on its retry of an earlier failed file
            String failed = String.join(", ", names.isEmpty() ? locations(resources) : names);
            lastFailure = failed + ": " + cause.getMessage();
            LOG.error(
                    "Route file(s) {} could not be loaded: {}; the routes that still run are unchanged",
                    failed,
                    cause.getMessage());
            throw e;
        }
    }

    /**
     * A file gone from ROUTES_DIR: the built-in file of that name (in the classpath folder of the built-in routes that
     * run), if any, loads again, and the file's other routes stop and go.
     *
     * @return why that failed, or null
     */
    private String removed(Path file) {
        CamelContext context = getCamelContext();
        Set<String> ids = new TreeSet<>();
        Set<String> builtInFolders = new TreeSet<>();
        for (Route route : context.getRoutes()) {
            Resource source = route.getSourceResource();
            if (source != null && file.equals(pathOf(source))) {
                ids.add(route.getRouteId());
            } else if (source != null && source.getLocation().startsWith("classpath:")) {
                String location = source.getLocation();
                builtInFolders.add(location.substring(0, location.lastIndexOf('/') + 1));
            }
        }
        ResourceLoader loader = PluginHelper.getResourceLoader(context);
        Resource builtIn = builtInFolders.stream()
                .map(folder -> loader.resolveResource(folder + file.getFileName()))
                .filter(Resource::exists)
                .findFirst()
                .orElse(null);
        try {
            if (builtIn != null) {
                ids.removeAll(PluginHelper.getRoutesLoader(context).updateRoutes(List.of(builtIn)));
            }
            for (String id : ids) {
                context.getRouteController().stopRoute(id);
                context.removeRoute(id);
            }
        } catch (Exception e) {
            LOG.error("Route file {} was removed, but its routes could not be: {}", file, e.getMessage());
            return "file:" + file + " removed: " + e.getMessage();
        }
        Set<String> gone = new HashSet<>(removedRoutes);
        gone.addAll(ids);
        removedRoutes = Set.copyOf(gone);
        String stopped = ids.isEmpty() ? "" : "route(s) " + String.join(", ", ids) + " stopped and removed";
        if (builtIn != null) {
            LOG.info(
                    "Removed route file {}: the built-in {} runs again{}",
                    file,
                    builtIn.getLocation(),
                    stopped.isEmpty() ? "" : "; " + stopped);
        } else {
            LOG.info("Removed route file {}: {}", file, stopped.isEmpty() ? "it ran no routes" : stopped);
        }
        return null;
    }

    /** Why the last reload failed; null when it loaded (or none happened). */
    public String lastFailure() {
        return lastFailure;
    }

    /** The routes stopped and removed with their file: not missing, gone on purpose. */
    public Set<String> removedRoutes() {
        return removedRoutes;
    }

    /** Each visible {@code *.camel.yaml} file of the directory (read through its link) and its content's hash. */
    static Map<Path, String> snapshot(Path dir) {
        Map<Path, String> files = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path entry : entries) {
                String hash = hash(entry);
                if (hash != null) {
                    files.put(entry, hash);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }

    /** The files added, removed or changed from one snapshot to the next. */
    static Set<Path> changed(Map<Path, String> before, Map<Path, String> after) {
        Set<Path> changed = new TreeSet<>(before.keySet());
        changed.addAll(after.keySet());
        changed.removeIf(file -> Objects.equals(before.get(file), after.get(file)));
        return changed;
    }

    /** The SHA-256 of the file's content; null when there is none (removed, or a link to a removed key). */
    static String hash(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            // unreadable: a change, so that loading it says why
            return "unreadable: " + e.getMessage();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> locations(Collection<Resource> resources) {
        return resources == null
                ? List.of()
                : resources.stream().map(Resource::getLocation).toList();
    }

    private static Path pathOf(Resource resource) {
        String location = resource.getLocation();
        return location.startsWith("file:")
                ? Path.of(location.substring("file:".length())).normalize()
                : null;
    }
}
