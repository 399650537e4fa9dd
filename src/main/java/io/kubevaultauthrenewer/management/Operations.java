package io.kubevaultauthrenewer.management;

import io.kubevaultauthrenewer.config.ManagementSettings;
import io.kubevaultauthrenewer.health.PodEvictionCheck;
import io.kubevaultauthrenewer.health.RenewalLoopCheck;
import io.kubevaultauthrenewer.health.RoutesCheck;
import io.kubevaultauthrenewer.health.VaultLeasesCheck;
import io.kubevaultauthrenewer.health.VaultTokenCheck;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.renewal.CycleRequest;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.routefiles.RouteFiles;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;

/** Health checks, metrics, the management port and the JMX bean: for a renewer that keeps running (not RUN_ONCE). */
public final class Operations {

    private Operations() {}

    /**
     * Registers the health checks, the metrics (Vault's answers, the routes') and starts the management port and the
     * JMX bean with the context.
     *
     * @param interval RENEW_INTERVAL
     * @param callAllowance the longest one Vault call may take: connect and answer
     * @param retryMaxDelay RENEWER_RETRY_MAX_DELAY: the longest wait between two calls of a cycle
     * @param management CAMEL_MANAGEMENT_HOST and CAMEL_MANAGEMENT_PORT
     * @param routeFiles the watcher of ROUTES_DIR, or null
     * @param cycles the cycle queue: renewNow() puts a cycle there
     * @param eviction the pod's eviction (EVICT_BEFORE_EXPIRY), or null
     */
    public static void wire(
            CamelContext context,
            RenewerStatus status,
            Duration interval,
            Duration callAllowance,
            Duration retryMaxDelay,
            ManagementSettings management,
            VaultHttpHeaders headers,
            RouteFiles routeFiles,
            Consumer<Object> cycles,
            PodEviction eviction) {
        RenewerMetrics metrics = new RenewerMetrics(status, interval);
        headers.onAnswer((call, code) -> {
            metrics.answered(call, code);
            status.progressed();
        });
        context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, metrics.registry());
        MicrometerRoutePolicyFactory routeMetrics = new MicrometerRoutePolicyFactory();
        routeMetrics.setMeterRegistry(metrics.registry());
        context.addRoutePolicyFactory(routeMetrics);

        RoutesCheck routesCheck = new RoutesCheck(routeFiles);
        VaultTokenCheck tokenCheck = new VaultTokenCheck(status, interval);
        VaultLeasesCheck leasesCheck = new VaultLeasesCheck(status, interval);
        List<HealthCheck> checks = new ArrayList<>(List.of(
                new RenewalLoopCheck(status, interval, callAllowance, retryMaxDelay),
                tokenCheck,
                leasesCheck,
                routesCheck));
        if (eviction != null) {
            tokenCheck.evictionCoversEndOfLife();
            leasesCheck.evictionCoversEndOfLife();
            checks.add(new PodEvictionCheck(status, interval, eviction));
            metrics.watch(eviction);
        }
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        for (HealthCheck check : checks) {
            ((CamelContextAware) check).setCamelContext(context);
            health.register(check);
        }
        ManagementServer server = new ManagementServer(management.host(), management.port(), metrics.registry());
        // renewNow(): a cycle through the same queue as the schedule's; answers its summary line
        RenewerJmx jmx = new RenewerJmx(status, () -> {
            cycles.accept(CycleRequest.RENEW_NOW);
            return status.lastSummary();
        });
        if (eviction != null) {
            jmx.watch(eviction);
        }
        try {
            context.addStartupListener((started, alreadyStarted) -> routesCheck.expect(
                    started.getRoutes().stream().map(Route::getRouteId).toList()));
            context.addService(server, true, true);
            context.addService(jmx, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
