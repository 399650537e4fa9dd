package io.kubevaultauthrenewer.init;

import io.kubevaultauthrenewer.RenewerConfiguration;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.config.SettingsReader;
import io.kubevaultauthrenewer.renewal.Exit;
import io.kubevaultauthrenewer.renewal.FailedStep;
import io.kubevaultauthrenewer.routefiles.RouteIncludes;
import io.kubevaultauthrenewer.vault.CallDeadline;
import io.kubevaultauthrenewer.vault.VaultHttpClient;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Configuration;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Registry;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The init mode's wiring: its settings validated (the renewer's shared ones, and the original init's own), the HTTP
 * client with Vault's headers, the login's secrets ({@link LoginCredentials}) and the secrets' values ({@link
 * SecretAnswers}), the beans its routes call, and only
 * its routes ({@code renewer.init-routes}).
 */
@Configuration
public class InitConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(InitConfiguration.class);

    private final MainConfigurationProperties main;

    public InitConfiguration(MainConfigurationProperties main) {
        this.main = main;
    }

    @Override
    public void configure(CamelContext context) {
        Registry registry = context.getRegistry();
        PropertiesComponent properties = context.getPropertiesComponent();
        SettingsReader reader = SettingsReader.of(context);
        InitSettings init = InitSettings.load(reader, SettingsReader.environment(context));
        Settings settings = init.shared();
        LOG.info(
                "Init: Vault at {}, {}, {} secret variable(s) from {} path(s), writing {}",
                settings.vault().address(),
                switch (init.login()) {
                    case TOKEN -> "VAULT_TOKEN given (no login)";
                    case APPROLE ->
                        "login with auth/" + init.kubernetesAuthPath() + " (role " + init.kubernetesRole()
                                + "), then AppRole " + init.appRole();
                    case KUBERNETES ->
                        "login with auth/" + init.kubernetesAuthPath() + " (role " + init.kubernetesRole() + ")";
                },
                init.secrets().size(),
                init.paths().size(),
                settings.credentials().variablesFile());

        properties.addOverrideProperty("renewer.vault-addr", settings.vault().address());
        LoginPaths paths = new LoginPaths(init.kubernetesAuthPath(), init.appRole());
        paths.bind(properties);
        properties.addOverrideProperty(
                "renewer.retry-attempts", String.valueOf(settings.retries().attempts()));
        properties.addOverrideProperty(
                "renewer.init.retry-delay-ms",
                String.valueOf(settings.retries().delay().toMillis()));
        properties.addOverrideProperty(
                "renewer.init.retry-max-delay-ms",
                String.valueOf(settings.retries().maxDelay().toMillis()));

        VaultToken token = new VaultToken();
        token.set(init.givenToken());
        VaultHttpHeaders headers = VaultHttpClient.headers(settings.vault(), token);
        LoginCredentials credentials = new LoginCredentials(
                settings.vault().address(),
                paths,
                LoginCredentials.jwt(reader.raw(Setting.KUBE_SA_TOKEN).orElse(null), init.jwtFile()),
                token);
        SecretReads reads = new SecretReads(init);
        SecretAnswers answers = new SecretAnswers(settings.vault().address(), reads);
        VaultHttpClient.configure(
                context,
                settings.vault(),
                new CallDeadline(settings.vault().callAllowance()),
                (HttpClientBuilder builder) -> {
                    headers.configureHttpClient(builder);
                    // outside Vault's headers: the JWT goes into the request before them, the tokens come out after
                    builder.addExecInterceptorBefore("vault-headers", "init-login-credentials", credentials);
                    // the secrets' values, likewise, come out of their answers before Camel reads them
                    builder.addExecInterceptorBefore("vault-headers", "init-secret-answers", answers);
                });

        Exit exit = registry.lookupByNameAndType(RenewerConfiguration.EXIT, Exit.class);
        if (exit == null) {
            exit = new Exit(() -> new Thread(context::stop, "init-exit").start());
        }
        InitFile file = new InitFile(settings.credentials().variablesFile(), token, reads, exit);
        registry.bind("initLogin", new InitLogin(init));
        registry.bind("initSecrets", reads);
        registry.bind("initFile", file);
        registry.bind("initFailures", new InitFailures(init, file, exit));
        registry.bind("failedStep", new FailedStep());
        new RouteIncludes(context, main).only("renewer.init-routes");
    }
}
