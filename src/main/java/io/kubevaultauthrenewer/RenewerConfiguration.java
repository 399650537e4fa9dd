package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.renewal.CycleReport;
import io.kubevaultauthrenewer.renewal.FailedStep;
import io.kubevaultauthrenewer.renewal.LeaseRenewal;
import io.kubevaultauthrenewer.renewal.RenewalCycle;
import io.kubevaultauthrenewer.renewal.RenewalFailures;
import io.kubevaultauthrenewer.renewal.RunOnce;
import io.kubevaultauthrenewer.renewal.TokenRenewal;
import io.kubevaultauthrenewer.renewal.VaultCallRetry;
import io.kubevaultauthrenewer.vault.RenewalRule;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.time.Clock;
import java.util.Map;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
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
    /** Registry name of the {@link RunOnce} hook (bound by {@link Application}). */
    public static final String RUN_ONCE = "renewer-run-once";

    private static final Logger LOG = LoggerFactory.getLogger(RenewerConfiguration.class);

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
        properties.addOverrideProperty(
                "renewer.renew-interval",
                String.valueOf(settings.renewInterval().toSeconds()));
        properties.addOverrideProperty("renewer.cycles", settings.runOnce() ? "1" : "0");
        properties.addOverrideProperty(
                "renewer.retry-delay", String.valueOf(settings.retryDelay().toMillis()));
        properties.addOverrideProperty(
                "renewer.retry-max-delay",
                String.valueOf(settings.retryMaxDelay().toMillis()));

        VaultToken token = new VaultToken();
        VaultHttpHeaders headers = new VaultHttpHeaders(settings.vaultAddr(), settings.namespace(), token);
        for (String scheme : new String[] {"http", "https"}) {
            HttpComponent http = context.getComponent(scheme, HttpComponent.class);
            http.setHttpClientConfigurer(headers);
            http.setConnectTimeout(settings.connectTimeout().toMillis());
            http.setConnectionRequestTimeout(settings.connectTimeout().toMillis());
            http.setResponseTimeout(settings.responseTimeout().toMillis());
            http.setSoTimeout(settings.responseTimeout().toMillis());
        }

        Clock clock = Clock.systemUTC();
        RenewalRule rule = new RenewalRule(settings.renewInterval());
        CycleReport report = new CycleReport();
        RenewalFailures failures = new RenewalFailures(report);
        RunOnce runOnce = settings.runOnce() ? registry.lookupByNameAndType(RUN_ONCE, RunOnce.class) : null;
        if (settings.runOnce() && runOnce == null) {
            runOnce = new RunOnce(() -> new Thread(context::stop, "run-once-stop").start());
        }
        registry.bind(
                "renewalCycle",
                new RenewalCycle(
                        new CredentialsSource(settings), token, report, clock, settings.renewInterval(), runOnce));
        registry.bind("tokenRenewal", new TokenRenewal(rule, report, clock));
        registry.bind("leaseRenewal", new LeaseRenewal(rule, report, clock));
        registry.bind("renewalFailures", failures);
        registry.bind("vaultCallRetry", new VaultCallRetry(settings.retryAttempts(), failures));
        registry.bind("failedStep", new FailedStep());
        registry.bind("cycleReport", report);
    }
}
