package io.kubevaultauthrenewer.health;

import java.util.Collection;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.RouteWatcherReloadStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Camel's route-file watcher for ROUTES_DIR, made loud: a file that fails to load is an ERROR line naming it, and
 * stays a failure (for {@link RoutesCheck}) until a later edit loads.
 */
public final class RouteFiles extends RouteWatcherReloadStrategy {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFiles.class);

    private volatile String lastFailure;

    public RouteFiles(String directory) {
        super(directory, false);
        setPattern("*.camel.yaml");
        // one file's reload must not drop the routes of the others
        setRemoveAllRoutes(false);
    }

    @Override
    protected void onRouteReload(Collection<Resource> resources, boolean removeEverything) {
        String names = resources == null
                ? "?"
                : String.join(
                        ", ", resources.stream().map(Resource::getLocation).toList());
        try {
            super.onRouteReload(resources, removeEverything);
            lastFailure = null;
            LOG.info("Reloaded route file(s) {}", names);
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            lastFailure = names + ": " + cause.getMessage();
            LOG.error(
                    "Route file(s) {} could not be loaded: {}; the routes that still run are unchanged",
                    names,
                    cause.getMessage());
            throw e;
        }
    }

    /** Why the last reload failed; null when it loaded (or none happened). */
    public String lastFailure() {
        return lastFailure;
    }
}
