package io.kubevaultauthrenewer.health;

import io.kubevaultauthrenewer.routefiles.RouteFiles;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.ServiceStatus;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/**
 * Readiness {@code renewer-routes}: DOWN when a route the renewer started with is gone or not running (unless its file
 * was removed from ROUTES_DIR), or when the last edit of a route file in ROUTES_DIR failed to load. A broken edit is
 * thus never a route silently gone.
 */
public final class RoutesCheck extends AbstractHealthCheck {

    private final RouteFiles routeFiles;
    private volatile List<String> routeIds = List.of();

    /**
     * @param routeFiles the watcher of ROUTES_DIR; null without reload
     */
    public RoutesCheck(RouteFiles routeFiles) {
        super("renewer", "renewer-routes");
        this.routeFiles = routeFiles;
    }

    /** The routes that must keep running: those the renewer started with. */
    public void expect(List<String> ids) {
        this.routeIds = List.copyOf(ids);
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        List<String> routeIds = this.routeIds;
        Set<String> removed = routeFiles == null ? Set.of() : routeFiles.removedRoutes();
        List<String> notRunning = routeIds.stream()
                .filter(id -> !removed.contains(id))
                .filter(id -> getCamelContext().getRouteController().getRouteStatus(id) != ServiceStatus.Started)
                .toList();
        String failure = routeFiles == null ? null : routeFiles.lastFailure();
        builder.detail("routes", String.join(",", routeIds));
        if (failure != null) {
            builder.detail("reload_error", failure);
        }
        if (!notRunning.isEmpty()) {
            builder.detail("not_running", String.join(",", notRunning));
        }
        if (failure != null || !notRunning.isEmpty()) {
            builder.down();
        } else {
            builder.up();
        }
    }
}
