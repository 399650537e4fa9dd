package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.health.PodEvictionCheck;
import io.kubevaultauthrenewer.health.RenewalLoopCheck;
import io.kubevaultauthrenewer.health.RouteFiles;
import io.kubevaultauthrenewer.health.RoutesCheck;
import io.kubevaultauthrenewer.health.VaultLeasesCheck;
import io.kubevaultauthrenewer.health.VaultTokenCheck;
import io.kubevaultauthrenewer.kubernetes.KubernetesApiClient;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.management.ManagementServer;
import io.kubevaultauthrenewer.management.RenewerJmx;
import io.kubevaultauthrenewer.management.RenewerMetrics;
import io.kubevaultauthrenewer.renewal.CycleReport;
import io.kubevaultauthrenewer.renewal.CycleRequest;
import io.kubevaultauthrenewer.renewal.EarlyChecks;
import io.kubevaultauthrenewer.renewal.Exit;
import io.kubevaultauthrenewer.renewal.FailedStep;
import io.kubevaultauthrenewer.renewal.LeaseRenewal;
import io.kubevaultauthrenewer.renewal.RenewalCycle;
import io.kubevaultauthrenewer.renewal.RenewalFailures;
import io.kubevaultauthrenewer.renewal.RenewalSchedule;
import io.kubevaultauthrenewer.renewal.RenewerStatus;
import io.kubevaultauthrenewer.renewal.RetryPolicy;
import io.kubevaultauthrenewer.renewal.ShutdownRevocation;
import io.kubevaultauthrenewer.renewal.TokenRenewal;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.TokenHosts;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.LifecycleStrategySupport;
import org.apache.camel.support.PluginHelper;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the renewer's beans from the validated settings and binds them under the names the YAML routes use. The
 * settings are validated here, before any route exists: a bad one stops the start with every problem named.
 */
@Configuration
public class RenewerConfiguration implements CamelConfiguration {

    /** Registry name of the environment map (bound by {@link Application}; the process environment otherwise). */
    public static final String ENVIRONMENT = "renewer-environment";
    /** Registry name of the {@link Exit} hook (bound by {@link Application}). */
    public static final String EXIT = "renewer-exit";

    /** Where the schedule and renewNow() put cycles: one consumer, so never two at once. */
    /** The HTTP component the pod-eviction route calls the API server through. */
    public static final String KUBERNETES_API = "kubernetes-api";

    /** Where the schedule and renewNow() put cycles: one consumer, so never two at once. */
    public static final String CYCLE_QUEUE = "seda:renewal-cycle?timeout=0&waitForTaskToComplete=Always";

    private static final Logger LOG = LoggerFactory.getLogger(RenewerConfiguration.class);

    private final MainConfigurationProperties main;

    /**
     * @param main Camel Main's configuration: the routes' include pattern is set here when ROUTES_DIR is
     */
    public RenewerConfiguration(MainConfigurationProperties main) {
        this.main = main;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(CamelContext context) {
        Registry registry = context.getRegistry();
        Map<String, String> environment = registry.lookupByNameAndType(ENVIRONMENT, Map.class);
        if (environment == null) {
            environment = System.getenv();
        }
        PropertiesComponent properties = context.getPropertiesComponent();
        Settings settings = Settings.load(environment::get, properties::resolveProperty);
        LOG.info(
                "Vault at {}, checking every {}s{}{}",
                settings.vaultAddr(),
                settings.renewInterval().toSeconds(),
                settings.runOnce() ? ", once (RUN_ONCE)" : "",
                settings.namespace() == null ? "" : ", namespace " + settings.namespace());

        // the routes read these; they hold the validated values, whatever set them
        properties.addOverrideProperty("renewer.vault-addr", settings.vaultAddr());
        properties.addOverrideProperty("renewer.cycles", settings.runOnce() ? "1" : "0");
        properties.addOverrideProperty(
                "renewer.schedule-period",
                String.valueOf(RenewalSchedule.periodMillis(settings.renewInterval(), settings.jitterPercent())));

        VaultToken token = new VaultToken();
        VaultHttpHeaders headers = new VaultHttpHeaders(
                new TokenHosts(settings.vaultAddr(), settings.redirectHosts()), settings.namespace(), token);
        headers.maxRequestsPerSecond(settings.maxRequestsPerSecond());
        if (settings.tls().skipVerify()) {
            LOG.warn("VAULT_SKIP_VERIFY is set: Vault's certificate and name are not checked, so anyone on the way"
                    + " can read the token; use VAULT_CACERT instead");
        }
        vaultHttp(context, settings, headers);

        // on stop, a call in flight is cut at once: the cycle is abandoned, and the process exits promptly
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                headers.abortAll();
                if (settings.revokeOnShutdown() && !settings.runOnce()) {
                    try (ProducerTemplate template = stopping.createProducerTemplate()) {
                        template.sendBody("direct:shutdown-revocation", null);
                    } catch (Exception e) {
                        LOG.error("Revocation on shutdown failed: {}", e.getMessage());
                    }
                }
            }
        });

        Clock clock = Clock.systemUTC();
        RenewalRule rule = new RenewalRule(settings.renewInterval());
        RenewerStatus status = new RenewerStatus(clock);
        CycleReport report = new CycleReport(status);
        RetryPolicy retries = new RetryPolicy(
                settings.retryAttempts(),
                settings.retryDelay(),
                settings.retryMaxDelay(),
                settings.backoffInitial(),
                settings.backoffMax());
        RenewalFailures failures = new RenewalFailures(report, clock, retries, settings.runOnce());
        Exit exit = registry.lookupByNameAndType(EXIT, Exit.class);
        if (exit == null) {
            exit = new Exit(() -> new Thread(context::stop, "renewer-exit").start());
        }
        // the schedule's timer, early checks, retries and renewNow() all go through the one cycle queue
        RouteCalls requests = new RouteCalls(context, CYCLE_QUEUE);
        EarlyChecks earlyChecks = new EarlyChecks(clock, requests::accept);
        RenewalCycle cycle = new RenewalCycle(
                new CredentialsSource(settings),
                token,
                report,
                clock,
                settings.renewInterval(),
                exit,
                settings.runOnce(),
                earlyChecks);
        try {
            context.addService(earlyChecks, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        registry.bind("renewalCycle", cycle);
        registry.bind("renewalSchedule", new RenewalSchedule(settings.renewInterval(), settings.jitterPercent()));
        registry.bind("shutdownRevocation", new ShutdownRevocation(cycle, report));
        registry.bind("tokenRenewal", new TokenRenewal(rule, report, clock));
        registry.bind("leaseRenewal", new LeaseRenewal(rule, report, clock));
        registry.bind("renewalFailures", failures);
        registry.bind("failedStep", new FailedStep());
        registry.bind("cycleReport", report);

        PodEviction eviction = null;
        if (settings.eviction() != null) {
            eviction = evictionFrom(context, settings, clock, retries);
            cycle.onEndOfLife(eviction::endOfLife);
        }
        RouteFiles routeFiles = routesFrom(context, settings);
        if (!settings.runOnce()) {
            operate(context, settings, status, headers, routeFiles, requests, eviction);
        }
    }

    /**
     * EVICT_BEFORE_EXPIRY: the {@code kubernetes-api} HTTP component (the service account's CA and token, toward the
     * API server only), the pod-eviction route and its bean.
     */
    private PodEviction evictionFrom(CamelContext context, Settings settings, Clock clock, RetryPolicy retries) {
        SelfEviction target = settings.eviction();
        KubernetesApiClient client = new KubernetesApiClient(target);
        HttpComponent http = new HttpComponent();
        http.setClientConnectionManager(client.connections(settings.connectTimeout(), settings.responseTimeout()));
        http.setHttpClientConfigurer(client);
        timeouts(http, settings);
        context.addComponent(KUBERNETES_API, http);

        PropertiesComponent properties = context.getPropertiesComponent();
        properties.addOverrideProperty("renewer.kubernetes-api", "https://" + target.apiAuthority());
        properties.addOverrideProperty("renewer.eviction-path", target.evictionPath());
        main.setRoutesIncludePattern(main.getRoutesIncludePattern() + ","
                + properties.resolveProperty("renewer.eviction-routes").orElseThrow());

        RouteCalls calls = new RouteCalls(context, "direct:pod-eviction");
        PodEviction eviction = new PodEviction(target, clock, retries, Math::random, () -> calls.accept(null));
        context.getRegistry().bind("podEviction", eviction);
        try {
            context.addService(eviction, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        LOG.info(
                "Evicting pod {}/{} through {} EVICT_BEFORE_EXPIRY before its secrets die",
                target.namespace(),
                target.podName(),
                "https://" + target.apiAuthority());
        return eviction;
    }

    /**
     * With ROUTES_DIR, its route files replace the built-in ones of the same file name, and add to them; with
     * ROUTES_RELOAD, edits are loaded as they are saved.
     *
     * @return the watcher of ROUTES_DIR, or null
     */
    private RouteFiles routesFrom(CamelContext context, Settings settings) {
        Path dir = settings.routesDir();
        if (dir == null) {
            return null;
        }
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
                String name = pattern.substring(folder.length());
                if (Files.exists(dir.resolve(name))) {
                    LOG.info("Route file {} replaces the built-in {}{}", dir.resolve(name), folder, name);
                } else {
                    patterns.add(pattern);
                }
                continue;
            }
            try {
                for (Resource builtIn :
                        PluginHelper.getPackageScanResourceResolver(context).findResources(pattern)) {
                    String location = builtIn.getLocation();
                    String name = location.substring(location.lastIndexOf('/') + 1);
                    if (Files.exists(dir.resolve(name))) {
                        LOG.info("Route file {} replaces the built-in {}{}", dir.resolve(name), folder, name);
                    } else {
                        patterns.add(folder + name);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException("Cannot list the built-in routes " + pattern, e);
            }
        }
        patterns.add("file:" + dir.toAbsolutePath() + "/*.camel.yaml");
        main.setRoutesIncludePattern(String.join(",", patterns));
        if (!settings.routesReload()) {
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

    /** Health checks, metrics, the management port and the JMX bean: for a renewer that keeps running. */
    private static void operate(
            CamelContext context,
            Settings settings,
            RenewerStatus status,
            VaultHttpHeaders headers,
            RouteFiles routeFiles,
            RouteCalls requests,
            PodEviction eviction) {
        Duration interval = settings.renewInterval();
        RenewerMetrics metrics = new RenewerMetrics(status, interval);
        headers.onAnswer(code -> {
            metrics.answered(code);
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
                new RenewalLoopCheck(status, interval, callAllowance(settings)), tokenCheck, leasesCheck, routesCheck));
        if (eviction != null) {
            tokenCheck.evictionCoversEndOfLife();
            leasesCheck.evictionCoversEndOfLife();
            checks.add(new PodEvictionCheck(status, interval, eviction));
            metrics.watch(eviction);
        }
        HealthCheckRegistry health = HealthCheckRegistry.get(context);
        for (HealthCheck check : checks) {
            ((org.apache.camel.CamelContextAware) check).setCamelContext(context);
            health.register(check);
        }
        ManagementServer server = new ManagementServer(settings.managementPort(), metrics.registry());
        // renewNow(): a cycle through the same queue as the schedule's; answers its summary line
        RenewerJmx jmx = new RenewerJmx(status, () -> {
            requests.accept(CycleRequest.RENEW_NOW);
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

    /**
     * The http and https components, toward Vault: one pool for both schemes, with the TLS of VAULT_CACERT,
     * VAULT_CLIENT_CERT, … and the timeouts, and the client configured by {@code configurer} (Vault's headers).
     */
    public static void vaultHttp(
            CamelContext context, Settings settings, org.apache.camel.component.http.HttpClientConfigurer configurer) {
        HttpClientConnectionManager connections =
                settings.tls().connections(settings.connectTimeout(), settings.responseTimeout());
        for (String scheme : new String[] {"http", "https"}) {
            HttpComponent http = context.getComponent(scheme, HttpComponent.class);
            http.setClientConnectionManager(connections);
            http.setHttpClientConfigurer(configurer);
            // a standby answers 307 to the active node; VaultRedirects decides which redirects are followed
            http.setFollowRedirects(true);
            timeouts(http, settings);
        }
    }

    private static void timeouts(HttpComponent http, Settings settings) {
        http.setConnectTimeout(settings.connectTimeout().toMillis());
        http.setConnectionRequestTimeout(settings.connectTimeout().toMillis());
        http.setResponseTimeout(settings.responseTimeout().toMillis());
        http.setSoTimeout(settings.responseTimeout().toMillis());
    }

    /** The longest one Vault call may take: connect and answer (a retry is a call of its own, planned apart). */
    static Duration callAllowance(Settings settings) {
        return settings.connectTimeout().plus(settings.responseTimeout());
    }

    /**
     * Sends a body to one endpoint and waits for its route to end: a cycle (or an early check) to the cycle queue, an
     * eviction to its route; one for all who ask.
     */
    private static final class RouteCalls implements java.util.function.Consumer<Object> {
        private final CamelContext context;
        private final String uri;
        private ProducerTemplate template;

        RouteCalls(CamelContext context, String uri) {
            this.context = context;
            this.uri = uri;
        }

        @Override
        public void accept(Object body) {
            template().sendBody(uri, body); // a template is thread-safe; the cycle queue runs one at a time
        }

        private synchronized ProducerTemplate template() {
            if (template == null) {
                template = context.createProducerTemplate();
            }
            return template;
        }
    }
}
