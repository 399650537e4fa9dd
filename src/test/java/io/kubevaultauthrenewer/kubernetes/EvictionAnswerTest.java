package io.kubevaultauthrenewer.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevaultauthrenewer.kubernetes.EvictionAnswer.Verdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API server's answers to an eviction, as the server writes them, and what each means. */
class EvictionAnswerTest {

    private static final String SUCCESS =
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\",\"code\":201}";
    private static final String BUDGET = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            + "\"status\":\"Failure\",\"message\":\"Cannot evict pod as it would violate the pod's disruption budget.\","
            + "\"reason\":\"TooManyRequests\",\"details\":{\"causes\":[{\"reason\":\"DisruptionBudget\",\"message\":"
            + "\"The disruption budget my-app needs 2 healthy pods and has 2 currently\"}]},\"code\":429}";
    private static final String SEVERAL = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
            + "\"status\":\"Failure\",\"message\":\"This pod has more than one PodDisruptionBudget, which the eviction"
            + " subresource does not support.\",\"code\":500}";

    @ParameterizedTest
    @ValueSource(ints = {200, 201})
    void takesASuccessStatusUnderA2xxAsTheEviction(int status) {
        EvictionAnswer answer = EvictionAnswer.judge(status, null, SUCCESS.replace("201", String.valueOf(status)));

        assertThat(answer.verdict()).isEqualTo(Verdict.EVICTED);
        assertThat(answer.text()).isEqualTo("HTTP " + status);
    }

    @Test
    void takesAFailureStatusUnderA201AsNoEvictionAndNamesTheFix() {
        EvictionAnswer answer = EvictionAnswer.judge(201, null, SEVERAL);

        assertThat(answer.verdict()).isEqualTo(Verdict.NEEDS_OPERATOR);
        assertThat(answer.text())
                .isEqualTo("HTTP 201 (Status code 500): This pod has more than one PodDisruptionBudget, which the"
                        + " eviction subresource does not support.: leave one PodDisruptionBudget selecting the pod");
        assertThat(EvictionAnswer.judge(500, null, SEVERAL).verdict()).isEqualTo(Verdict.NEEDS_OPERATOR);
    }

    @Test
    void waitsForTheBudgetOnA429WithTheCausesAndNoRetryAfter() {
        EvictionAnswer answer = EvictionAnswer.judge(429, null, BUDGET);

        assertThat(answer.verdict()).isEqualTo(Verdict.BUDGET_BLOCKS);
        assertThat(answer.retryAfter()).isNull();
        assertThat(answer.text())
                .isEqualTo("HTTP 429: Cannot evict pod as it would violate the pod's disruption budget. (The"
                        + " disruption budget my-app needs 2 healthy pods and has 2 currently)");
    }

    @Test
    void honoursRetryAfterFromTheHeaderElseFromTheStatusDetails() {
        String stale = BUDGET.replace("\"details\":{", "\"details\":{\"retryAfterSeconds\":10,");

        assertThat(EvictionAnswer.judge(429, "7", stale).retryAfter()).isEqualTo(Duration.ofSeconds(7));
        assertThat(EvictionAnswer.judge(429, null, stale).retryAfter()).isEqualTo(Duration.ofSeconds(10));
        assertThat(EvictionAnswer.judge(429, "Wed, 21 Oct 2026 07:28:00 GMT", BUDGET)
                        .retryAfter())
                .isNull();
    }

    @Test
    void takesNotFoundForAWrongAddressNeverForAPodAlreadyGone() {
        EvictionAnswer answer = EvictionAnswer.judge(
                404,
                null,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                        + "\"pods \\\"my-app-1\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":"
                        + "\"my-app-1\",\"kind\":\"pods\"},\"code\":404}");

        assertThat(answer.verdict()).isEqualTo(Verdict.WRONG_ADDRESS);
        assertThat(answer.text()).isEqualTo("HTTP 404: pods \"my-app-1\" not found");
    }

    @Test
    void namesTheMissingRbacRuleOnA403() {
        EvictionAnswer answer = EvictionAnswer.judge(
                403,
                null,
                "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                        + "\"pods \\\"my-app-1\\\" is forbidden: User \\\"system:serviceaccount:apps:my-app\\\" cannot"
                        + " create resource \\\"pods/eviction\\\" in API group \\\"\\\" in the namespace \\\"apps\\\"\","
                        + "\"reason\":\"Forbidden\",\"code\":403}");

        assertThat(answer.verdict()).isEqualTo(Verdict.NEEDS_OPERATOR);
        assertThat(answer.text())
                .contains("cannot create resource \"pods/eviction\"")
                .endsWith(": the service account needs a Role with verbs [create] on resources [pods/eviction] in"
                        + " the core API group, bound to it in the pod's namespace");
    }

    /** A 403's advice follows who refused, as the Status' message names it; its text is quoted whole. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(
            delimiter = '|',
            value = {
                "pods \"my-app-1\" is forbidden: ValidatingAdmissionPolicy 'kube-vault-auth-renewer-evict-own-pod-only'"
                        + " with binding 'kube-vault-auth-renewer-evict-own-pod-only' denied request: a pod may evict"
                        + " only itself | NEEDS_OPERATOR | the own-pod ValidatingAdmissionPolicy lets a pod's token"
                        + " evict only the pod it is bound to",
                "pods \"my-app-1\" is forbidden: ValidatingAdmissionPolicy 'no-evictions' with binding 'all' denied"
                        + " request: no | NEEDS_OPERATOR | a ValidatingAdmissionPolicy refused it, not RBAC",
                "admission webhook \"pdb.guard.example.com\" denied the request: freeze | NEEDS_OPERATOR | an"
                        + " admission webhook refused it, not RBAC",
                "pods \"my-app-1\" is forbidden: unable to create new content in namespace apps because it is being"
                        + " terminated | REFUSED | the namespace is being deleted",
                "poddisruptionbudgets.policy \"my-app\" is forbidden: pdb disruptions allowed is negative |"
                        + " BUDGET_BLOCKS | the PodDisruptionBudget's controller has not caught up",
                "poddisruptionbudgets.policy \"my-app\" is forbidden: DisruptedPods map too big - too many evictions"
                        + " not confirmed by PDB controller | BUDGET_BLOCKS | the PodDisruptionBudget's controller has"
                        + " not caught up",
            })
    void readsWhoRefusedA403FromItsMessage(String message, Verdict verdict, String advice) {
        String body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":"
                + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(message) + ",\"reason\":\"Forbidden\","
                + "\"code\":403}";

        EvictionAnswer answer = EvictionAnswer.judge(403, null, body);

        assertThat(answer.verdict()).isEqualTo(verdict);
        assertThat(answer.text()).startsWith("HTTP 403: " + message + ": " + advice);
        assertThat(answer.text()).doesNotContain("needs a Role");
    }

    @Test
    void takesAFlowControl429ForTheServerNotTheBudget() {
        EvictionAnswer answer = EvictionAnswer.judge(429, "1", "Too many requests, please try again later.\n");

        assertThat(answer.verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(answer.retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(answer.text()).contains("not a Kubernetes Status").contains("flow control");
    }

    @Test
    void triesAgainOnWhatMayPass() {
        assertThat(EvictionAnswer.judge(
                                401,
                                null,
                                "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
                                        + "\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}")
                        .verdict())
                .isEqualTo(Verdict.REFUSED);
        EvictionAnswer html = EvictionAnswer.judge(503, null, "<html>Service Unavailable</html>");
        assertThat(html.verdict()).isEqualTo(Verdict.REFUSED);
        assertThat(html.text()).isEqualTo("HTTP 503: not a Kubernetes Status");
        assertThat(EvictionAnswer.judge(200, null, "").verdict())
                .as("an empty 2xx is not a Failure Status")
                .isEqualTo(Verdict.EVICTED);
    }
}
