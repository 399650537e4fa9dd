package io.kubevaultauthrenewer.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.emulator.ShiftableClock;
import io.kubevaultauthrenewer.kubernetes.EvictionState.Phase;
import io.kubevaultauthrenewer.renewal.RenewerStatus.EndOfLife;
import io.kubevaultauthrenewer.renewal.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The eviction's plan and its answers, on a clock the test moves (the service is not started: nothing is sent). */
class PodEvictionTest {

    private static final Duration LEAD = Duration.ofMinutes(15);
    private static final String BUDGET = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
            + "\"message\":\"Cannot evict pod as it would violate the pod's disruption budget.\",\"code\":429}";

    private final ShiftableClock clock = ShiftableClock.frozen();
    private double random;
    private final SelfEviction settings = new SelfEviction(
            LEAD, "my-app-1", "apps", "10.96.0.1", 443, Path.of("/var/run/secrets/kubernetes.io/serviceaccount"));
    private final PodEviction eviction = new PodEviction(
            settings,
            clock,
            new RetryPolicy(
                    3, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(5)),
            () -> random,
            () -> {});

    private EndOfLife endIn(Duration d) {
        return new EndOfLife(clock.instant().plus(d), "Lease database/creds/app/1: its max TTL is reached");
    }

    @Test
    void plansTheEvictionInTheFirstHalfOfTheLeadTimeBeforeTheEnd() {
        EndOfLife end = endIn(Duration.ofHours(2));

        random = 0;
        eviction.endOfLife(end);
        assertThat(eviction.state().phase()).isEqualTo(Phase.PLANNED);
        assertThat(eviction.state().moment()).isEqualTo(end.at().minus(LEAD));

        random = 0.999;
        eviction.endOfLife(endIn(Duration.ofHours(3)));
        assertThat(eviction.state().moment())
                .isBetween(
                        clock.instant().plus(Duration.ofHours(3)).minus(LEAD),
                        clock.instant().plus(Duration.ofHours(3)).minus(LEAD.dividedBy(2)));
        assertThat(eviction.state().leavesService(clock.instant())).isFalse();
    }

    @Test
    void asksAtOnceWhenTheEndIsAlreadyCloserThanTheLeadTime() {
        eviction.endOfLife(endIn(Duration.ofMinutes(5)));

        assertThat(eviction.state().moment()).isEqualTo(clock.instant());
    }

    @Test
    void keepsThePlanWhenTheEndMovesByLessThanASecondAndDropsItWhenNoEndIsKnown() {
        eviction.endOfLife(endIn(Duration.ofHours(2)));
        Instant moment = eviction.state().moment();

        random = 0.5;
        eviction.endOfLife(endIn(Duration.ofHours(2).plusMillis(400)));
        assertThat(eviction.state().moment()).isEqualTo(moment);

        eviction.endOfLife(null);
        assertThat(eviction.state().phase()).isEqualTo(Phase.NONE);
        assertThat(eviction.state().moment()).isNull();
    }

    @Test
    void triesAgainOnABudgetsRefusalAndStaysInTheServiceUntilTheEnd() {
        EndOfLife end = endIn(Duration.ofMinutes(10));
        eviction.endOfLife(end);

        eviction.answered(429, null, BUDGET);

        EvictionState state = eviction.state();
        assertThat(state.phase()).isEqualTo(Phase.TRYING);
        assertThat(state.lastAnswer()).startsWith("HTTP 429: Cannot evict pod");
        assertThat(Duration.between(clock.instant(), state.nextTry()))
                .isBetween(Duration.ofMillis(800), Duration.ofSeconds(1));
        assertThat(state.leavesService(clock.instant())).isFalse();
        assertThat(state.describe(clock.instant())).contains("last answer: HTTP 429", "next try at " + state.nextTry());

        clock.advance(Duration.ofMinutes(10));
        assertThat(eviction.state().overdue(clock.instant())).isTrue();
        assertThat(eviction.state().leavesService(clock.instant()))
                .as("its secrets are dead")
                .isTrue();
        assertThat(eviction.state().describe(clock.instant())).startsWith("overdue: the secrets died at " + end.at());
    }

    @Test
    void planningAgainstAnEndThatMovesLaterOnceAskedKeepsTheEarlierEnd() {
        EndOfLife end = endIn(Duration.ofMinutes(10));
        eviction.endOfLife(end);
        eviction.answered(429, "30", BUDGET);

        eviction.endOfLife(endIn(Duration.ofHours(5)));
        assertThat(eviction.state().end()).isEqualTo(end);
        assertThat(Duration.between(clock.instant(), eviction.state().nextTry()))
                .isEqualTo(Duration.ofSeconds(30));

        EndOfLife sooner = endIn(Duration.ofMinutes(2));
        eviction.endOfLife(sooner);
        assertThat(eviction.state().end()).isEqualTo(sooner);
    }

    @Test
    void isDoneOnceAcceptedAndThenLeavesTheService() {
        eviction.endOfLife(endIn(Duration.ofMinutes(10)));
        eviction.answered(
                201,
                null,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
                        + "\"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.\","
                        + "\"code\":500}");
        assertThat(eviction.state().phase()).as("a Failure inside a 201").isEqualTo(Phase.TRYING);

        eviction.answered(201, null, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\",\"code\":201}");

        assertThat(eviction.state().phase()).isEqualTo(Phase.EVICTED);
        assertThat(eviction.state().evictedAt()).isEqualTo(clock.instant());
        assertThat(eviction.state().leavesService(clock.instant())).isTrue();
        clock.advance(Duration.ofHours(1));
        assertThat(eviction.state().overdue(clock.instant()))
                .as("evicted: not overdue")
                .isFalse();
    }

    /**
     * A pod that is gone no longer authenticates (its bound token is 401) and a terminating one's eviction is 201: a
     * 404 means POD_NAME or POD_NAMESPACE names another pod. The pod stays in its Service (its secrets live) and the
     * eviction is asked for again, the answer naming the settings to fix.
     */
    @Test
    void takesA404ForAWrongAddressAndKeepsAsking() {
        eviction.endOfLife(endIn(Duration.ofMinutes(10)));

        eviction.answered(
                404,
                null,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"pods \\\"my-app-1\\\" not"
                        + " found\",\"reason\":\"NotFound\",\"code\":404}");

        EvictionState state = eviction.state();
        assertThat(state.phase()).isEqualTo(Phase.TRYING);
        assertThat(state.nextTry()).isAfter(clock.instant());
        assertThat(state.leavesService(clock.instant())).isFalse();
        assertThat(state.lastAnswer())
                .isEqualTo("HTTP 404: pods \"my-app-1\" not found: no pod apps/my-app-1 at https://10.96.0.1:443;"
                        + " POD_NAME and POD_NAMESPACE must name this pod (env valueFrom fieldRef metadata.name and"
                        + " metadata.namespace), and KUBERNETES_SERVICE_HOST its cluster's API server");
    }

    @Test
    void namesThePodInTheEviction() throws Exception {
        JsonNode body = new ObjectMapper().readTree(eviction.eviction());

        assertThat(body.toString())
                .isEqualTo("{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\",\"metadata\":"
                        + "{\"name\":\"my-app-1\",\"namespace\":\"apps\"}}");
    }

    @Test
    void waitsAtMostAMinuteBetweenTriesAfterTheEnd() {
        eviction.endOfLife(endIn(Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(2));
        for (int i = 0; i < 12; i++) {
            eviction.answered(429, null, BUDGET);
        }

        // docs/end-of-life.md: tries follow the renewer's retry settings, "at most a minute" apart (80-100 % of it)
        assertThat(Duration.between(clock.instant(), eviction.state().nextTry()))
                .isBetween(Duration.ofSeconds(48), Duration.ofMinutes(1));
    }

    /** The renewer's default retry settings. */
    private static final class RetryPolicyDefaults {
        static final RetryPolicy POLICY = new RetryPolicy(
                3, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(5));
    }
}
