package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.ScheduleSettings;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.config.SettingsReader;
import io.kubevaultauthrenewer.config.VaultSettings;
import io.kubevaultauthrenewer.kubernetes.KubernetesApiClient;
import io.kubevaultauthrenewer.kubernetes.PodEviction;
import io.kubevaultauthrenewer.management.Operations;
import io.kubevaultauthrenewer.renewal.CycleReport;
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
import io.kubevaultauthrenewer.routefiles.RouteFiles;
import io.kubevaultauthrenewer.routefiles.RouteIncludes;
import io.kubevaultauthrenewer.vault.CallDeadline;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultHttpClient;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Clock;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.LifecycleStrategySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the renewer's beans from the validated settings and binds them under the names the YAML routes use. The
 * settings are validated here, before any route exists: a bad one stops the start with every problem named.
 */
@Configuration
public class RenewerConfiguration implements CamelConfiguration {

    /** Registry name of the {@link Exit} hook (bound by {@link Application}). */
    public static final String EXIT = "renewer-exit";

    /** The HTTP component the pod-eviction route calls the API server through. */
    public static final String KUBERNETES_API = "kubernetes-api";

    /** Where the schedule and renewNow() put cycles: one consumer, so never two at once (the YAML's too). */
    private static final String CYCLE_QUEUE = "renewer.cycle-queue";
    /** As the schedule's route sends to the cycle queue: waits for the cycle to end, however long. */
    private static final String UNTIL_DONE = "?waitForTaskToComplete=Always&timeout=0";

    private static final Logger LOG = LoggerFactory.getLogger(RenewerConfiguration.class);

    private final MainConfigurationProperties main;

    /**
     * @param main Camel Main's configuration: the routes' include pattern is set here when ROUTES_DIR is
     */
    public RenewerConfiguration(MainConfigurationProperties main) {
        this.main = main;
    }

    @Override
    public void configure(CamelContext context) {
        Registry registry = context.getRegistry();
        PropertiesComponent properties = context.getPropertiesComponent();
        Settings settings = Settings.load(SettingsReader.of(context));
        ScheduleSettings schedule = settings.schedule();
        LOG.info(
                "Vault at {}, checking every {}s{}{}",
                settings.vault().address(),
                schedule.renewInterval().toSeconds(),
                schedule.runOnce() ? ", once (RUN_ONCE)" : "",
                settings.vault().namespace() == null
                        ? ""
                        : ", namespace " + settings.vault().namespace());

        // the routes read these; they hold the validated values, whatever set them
        properties.addOverrideProperty("renewer.vault-addr", settings.vault().address());
        properties.addOverrideProperty("renewer.cycles", schedule.runOnce() ? "1" : "0");
        properties.addOverrideProperty(
                "renewer.schedule-period",
                String.valueOf(RenewalSchedule.periodMillis(schedule.renewInterval(), schedule.jitterPercent())));

        VaultToken token = new VaultToken();
        VaultHttpHeaders headers = VaultHttpClient.headers(settings.vault(), token);
        // one deadline for every call, toward Vault and the API server alike
        CallDeadline deadline = new CallDeadline(settings.vault().callAllowance());
        VaultHttpClient.configure(context, settings.vault(), deadline, headers);

        // on stop, a call in flight is cut at once: the cycle is abandoned, and the process exits promptly
        context.addLifecycleStrategy(new LifecycleStrategySupport() {
            @Override
            public void onContextStopping(CamelContext stopping) {
                deadline.abortAll();
                if (settings.revokeOnShutdown() && !schedule.runOnce()) {
                    try (ProducerTemplate template = stopping.createProducerTemplate()) {
                        template.sendBody("direct:shutdown-revocation", null);
                    } catch (Exception e) {
                        LOG.error("Revocation on shutdown failed: {}", e.getMessage());
                    }
                }
            }
        });

        Clock clock = Clock.systemUTC();
        RenewalRule rule = new RenewalRule(schedule.renewInterval());
        RenewerStatus status = new RenewerStatus(clock);
        CycleReport report = new CycleReport(status);
        RetryPolicy retries = RetryPolicy.of(settings.retries());
        RenewalFailures failures = new RenewalFailures(report, clock, retries, schedule.runOnce());
        Exit exit = registry.lookupByNameAndType(EXIT, Exit.class);
        if (exit == null) {
            exit = new Exit(() -> new Thread(context::stop, "renewer-exit").start());
        }
        // the schedule's timer, early checks, retries and renewNow() all go through the one cycle queue
        RouteCalls requests =
                new RouteCalls(context, properties.resolveProperty(CYCLE_QUEUE).orElseThrow() + UNTIL_DONE);
        EarlyChecks earlyChecks = new EarlyChecks(clock, requests::accept);
        RenewalCycle cycle = new RenewalCycle(
                new CredentialsSource(settings.credentials()),
                token,
                report,
                clock,
                schedule.renewInterval(),
                exit,
                schedule.runOnce(),
                earlyChecks);
        try {
            context.addService(earlyChecks, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        registry.bind("renewalCycle", cycle);
        registry.bind("renewalSchedule", new RenewalSchedule(schedule.renewInterval(), schedule.jitterPercent()));
        registry.bind("shutdownRevocation", new ShutdownRevocation(cycle, report));
        registry.bind("tokenRenewal", new TokenRenewal(rule, report, clock));
        registry.bind("leaseRenewal", new LeaseRenewal(rule, report, clock));
        registry.bind("renewalFailures", failures);
        registry.bind("failedStep", new FailedStep());
        registry.bind("cycleReport", report);

        RouteIncludes routes = new RouteIncludes(context, main);
        PodEviction eviction = null;
        if (settings.eviction() != null) {
            eviction = evictionFrom(context, settings, deadline, clock, retries, routes);
            cycle.onEndOfLife(eviction::endOfLife);
        }
        RouteFiles routeFiles =
                routes.overrideFrom(settings.routes().dir(), settings.routes().reload());
        if (!schedule.runOnce()) {
            Operations.wire(
                    context,
                    status,
                    schedule.renewInterval(),
                    settings.vault().callAllowance(),
                    settings.retries().maxDelay(),
                    settings.management(),
                    headers,
                    routeFiles,
                    requests,
                    eviction);
        }
    }

    /**
     * EVICT_BEFORE_EXPIRY: the {@code kubernetes-api} HTTP component (the service account's CA and token, toward the
     * API server only), the pod-eviction route and its bean.
     */
    private static PodEviction evictionFrom(
            CamelContext context,
            Settings settings,
            CallDeadline deadline,
            Clock clock,
            RetryPolicy retries,
            RouteIncludes routes) {
        SelfEviction target = settings.eviction();
        VaultSettings vault = settings.vault(); // the same timeouts toward the API server
        KubernetesApiClient client = new KubernetesApiClient(target);
        HttpComponent http = new HttpComponent();
        http.setClientConnectionManager(client.connections(vault.connectTimeout(), vault.responseTimeout()));
        http.setHttpClientConfigurer(deadline.around(client));
        VaultHttpClient.timeouts(http, vault.connectTimeout(), vault.responseTimeout());
        context.addComponent(KUBERNETES_API, http);

        PropertiesComponent properties = context.getPropertiesComponent();
        properties.addOverrideProperty("renewer.kubernetes-api", "https://" + target.apiAuthority());
        properties.addOverrideProperty("renewer.eviction-path", target.evictionPath());
        routes.add("renewer.eviction-routes");

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
}
