package io.kubevaultauthrenewer.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;

/**
 * What the API server's answer to an eviction means. Every answer is a {@code Status}: a 2xx is an eviction only when
 * its body is not a {@code Failure} (several PodDisruptionBudgets answer a Failure with code 500, possibly under a 2xx
 * status line); 404 means the pod is already gone; 429 means a PodDisruptionBudget allows no disruption now (with
 * {@code Retry-After} when the budget's status is stale); 403 means RBAC does not let the service account create
 * {@code pods/eviction}.
 *
 * @param verdict what to do
 * @param httpStatus the HTTP status line's code
 * @param text the answer in words for a log line: the code and the Status' message and causes
 * @param retryAfter the wait the server asked for, or null
 */
public record EvictionAnswer(Verdict verdict, int httpStatus, String text, Duration retryAfter) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an answer means for the pod. */
    public enum Verdict {
        /** the eviction is accepted: the pod is being deleted, and its controller replaces it */
        EVICTED,
        /** the pod is already gone (or going): nothing more to do */
        POD_GONE,
        /** a PodDisruptionBudget allows no disruption now: try again later */
        BUDGET_BLOCKS,
        /**
         * an operator must act: RBAC denies it (403), the pod has several budgets, the request is malformed (400);
         * tried again in case they do
         */
        NEEDS_OPERATOR,
        /** anything else that may pass (401 while the token rotates, 5xx, not a Status): tried again */
        REFUSED
    }

    /**
     * Judges an answer.
     *
     * @param httpStatus the HTTP status code
     * @param retryAfterHeader the {@code Retry-After} header, or null
     * @param body the answer's body, or null
     */
    public static EvictionAnswer judge(int httpStatus, String retryAfterHeader, String body) {
        JsonNode status = parse(body);
        String outcome = status.path("status").asText("");
        int code = status.path("code").isInt() ? status.path("code").asInt() : httpStatus;
        String message = status.path("message").asText("");
        StringBuilder text = new StringBuilder("HTTP ").append(httpStatus);
        if (code != httpStatus) {
            text.append(" (Status code ").append(code).append(")");
        }
        if (!message.isEmpty()) {
            text.append(": ").append(message);
        } else if (!status.path("reason").asText("").isEmpty()) {
            text.append(": ").append(status.path("reason").asText());
        } else if (status.isMissingNode()) {
            text.append(": not a Kubernetes Status");
        }
        for (JsonNode cause : status.path("details").path("causes")) {
            String causeMessage = cause.path("message").asText("");
            if (!causeMessage.isEmpty()) {
                text.append(" (").append(causeMessage).append(")");
            }
        }
        Duration retryAfter = retryAfter(retryAfterHeader, status);
        Verdict verdict;
        if (httpStatus / 100 == 2 && !outcome.equals("Failure") && code / 100 == 2) {
            verdict = Verdict.EVICTED;
        } else if (httpStatus == 404) {
            verdict = Verdict.POD_GONE;
        } else if (httpStatus == 429) {
            verdict = Verdict.BUDGET_BLOCKS;
        } else if (httpStatus == 403) {
            verdict = Verdict.NEEDS_OPERATOR;
            text.append(": the service account needs a Role with verbs [create] on resources [pods/eviction] in the"
                    + " core API group, bound to it in the pod's namespace");
        } else if (message.contains("more than one PodDisruptionBudget")) {
            verdict = Verdict.NEEDS_OPERATOR;
            text.append(": leave one PodDisruptionBudget selecting the pod");
        } else if (httpStatus == 400 || httpStatus == 405 || httpStatus == 422) {
            verdict = Verdict.NEEDS_OPERATOR;
        } else {
            verdict = Verdict.REFUSED;
        }
        return new EvictionAnswer(verdict, httpStatus, text.toString(), retryAfter);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.missingNode();
        }
        try {
            JsonNode node = JSON.readTree(body);
            return node != null
                            && node.isObject()
                            && "Status".equals(node.path("kind").asText())
                    ? node
                    : JSON.missingNode();
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }

    /** The header's whole seconds, else the Status' {@code details.retryAfterSeconds}; null when neither is given. */
    private static Duration retryAfter(String header, JsonNode status) {
        if (header != null && header.strip().matches("\\d{1,6}")) {
            return Duration.ofSeconds(Long.parseLong(header.strip()));
        }
        JsonNode seconds = status.path("details").path("retryAfterSeconds");
        return seconds.isInt() && seconds.asInt() > 0 ? Duration.ofSeconds(seconds.asInt()) : null;
    }
}
