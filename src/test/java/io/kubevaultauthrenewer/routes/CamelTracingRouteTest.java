package io.kubevaultauthrenewer.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.config.VariablesFile;
import io.kubevaultauthrenewer.e2e.RenewerProcess;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.main.Main;
import org.apache.camel.spi.BacklogTracer;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.CamelEvent.CamelContextStoppingEvent;
import org.apache.camel.spi.CamelEvent.ExchangeEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.MessageHelper;
import org.apache.camel.support.processor.DefaultExchangeFormatter;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything Camel can show of a message, all on at once, in both modes: the init mode's run (the original's
 * two-stage login, a KV version 2 secret and a database credential), then one renewer cycle on the file it wrote (an
 * interval long enough that the token and the lease are renewed, so that renew answers pass too). The
 * tracer and the backlog tracer (its every traced message dumped as XML and JSON), message history (with a copy of
 * each step's message), log masking off, the root logger and Camel's at TRACE: none holds a secret value, a token, the
 * JWT, the role-id or the secret-id.
 */
class CamelTracingRouteTest extends RouteTestSupport {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every Camel setting that shows messages, as a user sets them (camel.main.*, camel.trace.*). */
    private static final Map<String, String> SHOW_EVERYTHING = Map.of(
            "camel.main.tracing", "true",
            "camel.main.tracingTemplates", "true",
            "camel.main.messageHistory", "true",
            "camel.main.logMask", "false",
            "camel.main.logDebugMaxChars", "0",
            "camel.trace.enabled", "true",
            "camel.trace.standby", "false",
            "camel.trace.backlogSize", "1000",
            "camel.trace.bodyIncludeStreams", "true",
            "camel.trace.bodyMaxChars", "0");

    private final StringBuilder shown = new StringBuilder();
    private final List<String> dumps = new ArrayList<>();
    private Level rootLevel;
    private Level camelLevel;

    @BeforeEach
    void everythingAtTrace() {
        rootLevel = LogManager.getRootLogger().getLevel();
        camelLevel = LogManager.getLogger("org.apache.camel").getLevel();
        Configurator.setRootLevel(Level.TRACE);
        Configurator.setLevel("org.apache.camel", Level.TRACE);
    }

    @AfterEach
    void levelsBack() {
        Configurator.setLevel("org.apache.camel", camelLevel);
        Configurator.setRootLevel(rootLevel);
    }

    /** Camel set to show everything, and what it shows collected: each exchange's history and the tracer's dump. */
    private void showEverything(Main main) {
        SHOW_EVERYTHING.forEach(main::addInitialProperty);
        main.bind("everything-shown", new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStartingEvent starting) {
                    starting.getContext().getMessageHistoryFactory().setCopyMessage(true);
                } else if (event instanceof ExchangeEvent done
                        && (event instanceof CamelEvent.ExchangeCompletedEvent
                                || event instanceof CamelEvent.ExchangeFailedEvent)) {
                    Exchange exchange = done.getExchange();
                    DefaultExchangeFormatter all = new DefaultExchangeFormatter();
                    all.setShowAll(true);
                    all.setMaxChars(0);
                    shown.append(MessageHelper.dumpMessageHistoryStacktrace(exchange, all, true));
                    shown.append(all.format(exchange));
                    dump(exchange.getContext());
                } else if (event instanceof CamelContextStoppingEvent stopping) {
                    dump(stopping.getContext());
                }
            }
        });
    }

    /** The backlog tracer's messages so far, as XML and as JSON (each dump takes them out of it). */
    private synchronized void dump(CamelContext context) {
        BacklogTracer tracer = context.getCamelContextExtension().getContextPlugin(BacklogTracer.class);
        assertThat(tracer).as("the backlog tracer is on").isNotNull();
        tracer.setRemoveOnDump(false);
        dumps.add(tracer.dumpAllTracedMessagesAsXml());
        dumps.add(tracer.dumpAllTracedMessagesAsJSon());
        tracer.clear();
    }

    @Test
    void showsNoSecretTokenJwtRoleIdOrSecretIdWithEveryTracerAndTraceLogOn() throws Exception {
        String jwt = InitModeRouteTest.originalVault(vault);
        vault.putSecret("secret-v2/some/secret", Map.of("value", "kv-value-8c1f", "unexported", "other-value-77d2"));
        Map<String, String> initEnv = RenewerProcess.env(
                "VAULT_ADDR", vault.address(),
                "KUBE_SA_TOKEN", jwt,
                "VAULT_LOGIN_ROLE", "my-app-role",
                "VARIABLES_FILE", variables.toString(),
                "SECRET_MY_SECRET", "secret-v2/some/secret",
                "SECRET_DB_USERNAME", "database/creds/my-role?username",
                "SECRET_DB_PASSWORD", "database/creds/my-role?password");

        String log;
        try (InProcessRenewer init = InProcessRenewer.run(this::showEverything, initEnv, "init")) {
            assertThat(init.awaitExit()).as(init.output()).isZero();
            log = init.output();
        }
        Map<String, String> file = VariablesFile.read(
                        variables, Set.of("VAULT_TOKEN", "MY_SECRET", "DB_USERNAME", "DB_PASSWORD", "LEASE_IDS"))
                .orElseThrow();
        try (InProcessRenewer renewer = InProcessRenewer.run(this::showEverything, renewerEnv(50_000, true))) {
            assertThat(renewer.awaitExit()).as(renewer.output()).isZero();
            assertThat(renewer.output())
                    .contains("Watching 1 lease(s): " + file.get("LEASE_IDS"), "token renewed", "renewed 1");
            log += renewer.output();
        }

        Set<String> secrets = new LinkedHashSet<>(List.of(
                jwt,
                "kv-value-8c1f",
                "other-value-77d2",
                file.get("VAULT_TOKEN"),
                file.get("DB_USERNAME"),
                file.get("DB_PASSWORD")));
        secrets.addAll(sentToVault());
        assertThat(secrets).as("the role-id, the secret-id, every token sent").hasSizeGreaterThanOrEqualTo(9);
        assertThat(log).as("trace logging and Camel's tracer were on").contains(" TRACE ", "] Exchange[Id: ");
        assertThat(log).as("both modes ran").contains("Wrote " + variables).contains("Using a token");
        assertThat(shown)
                .as("the message history, with the messages")
                .contains("vault-secret-read", "token-renewal", "lease_duration");
        String traced = String.join("\n", dumps);
        assertThat(traced)
                .as("the backlog tracer's messages, with Vault's answers")
                .contains("vault-secret-read", "<body", "lease_duration");
        for (String secret : secrets) {
            assertThat(linesWith(log, secret))
                    .as("the log's lines with a secret")
                    .isEmpty();
            assertThat(linesWith(shown.toString(), secret))
                    .as("the message history's lines with a secret")
                    .isEmpty();
            assertThat(linesWith(traced, secret))
                    .as("the backlog tracer's lines with a secret")
                    .isEmpty();
        }
    }

    /** The lines holding {@code secret}: what a failure shows, rather than thousands of lines. */
    private static List<String> linesWith(String text, String secret) {
        return text.lines().filter(line -> line.contains(secret)).toList();
    }

    /** What the runs sent to Vault that is secret: each token, and each login's JWT, role-id and secret-id. */
    private List<String> sentToVault() throws IOException {
        List<String> sent = new ArrayList<>();
        for (RecordedRequest request : vault.requests()) {
            if (request.header("X-Vault-Token") != null) {
                sent.add(request.header("X-Vault-Token"));
            }
            if (request.body() != null && request.body().startsWith("{")) {
                JsonNode body = JSON.readTree(request.body());
                for (String field : List.of("jwt", "role_id", "secret_id")) {
                    if (body.hasNonNull(field)) {
                        sent.add(body.get(field).asText());
                    }
                }
            }
        }
        return sent;
    }
}
