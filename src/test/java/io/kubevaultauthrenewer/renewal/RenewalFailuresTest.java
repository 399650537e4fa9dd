package io.kubevaultauthrenewer.renewal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.emulator.ShiftableClock;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/** The dead letter's decisions: what a failure means for the item, what is planned next, and the line's level. */
class RenewalFailuresTest {

    private static final String LEASE = "database/creds/app/1";

    private final ShiftableClock clock = ShiftableClock.frozen();
    private final RenewerStatus status = new RenewerStatus(clock);
    private final CycleReport report = new CycleReport(status);
    private final RenewalFailures failures = new RenewalFailures(report, clock, Cycles.RETRIES, false);

    private Exchange failed(String step, int httpStatus, String body, boolean lease) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setException(new HttpOperationFailedException(
                "http://vault/v1/x", httpStatus, "status " + httpStatus, null, Map.of(), body));
        exchange.setVariable("failedStep", step);
        if (lease) {
            exchange.setVariable("leaseId", LEASE);
        } else {
            exchange.setVariable("renewing", "token");
        }
        failures.record(exchange);
        return exchange;
    }

    @Test
    void plansAQuickRetryOfALeaseVaultCouldNotServeAndWarns() {
        report.start(clock.instant(), List.of(LEASE), true, List.of(LEASE));
        report.leaseLookedUp(LEASE, 3600, false, true);

        Exchange exchange = failed("vault-lease-renew", 503, "{\"errors\":[\"Vault is sealed\"]}", true);

        assertThat(exchange.getVariable("level")).isEqualTo("WARN");
        assertThat(exchange.getVariable("subject")).isEqualTo("Lease " + LEASE);
        assertThat(exchange.getVariable("call")).isEqualTo("vault-lease-renew");
        assertThat(exchange.getVariable("failure", String.class))
                .contains("Vault is sealed")
                .contains("retry 1 of 3");
        assertThat(status.lease(LEASE).failures()).isEqualTo(1);
        assertThat(status.lease(LEASE).nextCheck()).isAfter(clock.instant());
    }

    @Test
    void givesUpOnALeaseVaultNoLongerKnows() {
        report.start(clock.instant(), List.of(LEASE), true, List.of(LEASE));

        Exchange exchange = failed("vault-lease-lookup", 400, "{\"errors\":[\"invalid lease\"]}", true);

        assertThat(exchange.getVariable("level")).isEqualTo("ERROR");
        assertThat(exchange.getVariable("failure", String.class)).contains("gone: it is not asked about again");
        assertThat(status.lease(LEASE).gone()).isTrue();
        assertThat(status.lease(LEASE).nextCheck()).isNull();
    }

    @Test
    void marksATokenVaultRefusesAsRejectedWithoutARetry() {
        report.start(clock.instant(), List.of(), true, List.of());

        Exchange exchange = failed("vault-token-lookup", 403, "{\"errors\":[\"permission denied\"]}", false);

        assertThat(exchange.getVariable("level")).isEqualTo("ERROR");
        assertThat(report.isTokenRejected()).isTrue();
        assertThat(status.token().nextCheck()).isNull();
        assertThat(status.token().lastError()).isEqualTo("vault-token-lookup failed: HTTP 403: permission denied");
    }
}
