package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The answers kube-apiserver writes, built as its source builds them (Kubernetes 1.36.3: kubernetes/apimachinery
 * {@code pkg/api/errors/errors.go} for the {@code Status} errors, kubernetes/apiserver
 * {@code pkg/endpoints/handlers/responsewriters/writers.go} and {@code status.go} for how they are written). Only the
 * wire texts are the server's; the code is ours.
 */
final class KubernetesApiAnswers {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** What goes back: the status line, the body as sent, the headers (Content-Type included). */
    record Answer(int httpStatus, String body, Map<String, String> headers) {}

    private KubernetesApiAnswers() {}

    /**
     * A {@code Status} written as {@code responsewriters.ErrorNegotiated} writes it: under the status line of its
     * {@code code}, as JSON, with {@code Retry-After} when {@code details.retryAfterSeconds} is above 0; the
     * {@code Cache-Control} that {@code filters.WithCacheControl} adds to every answer inside it.
     */
    static Answer json(ObjectNode status) {
        return json(status.get("code").asInt(), status);
    }

    /** Under a status line of our choosing (the create handler writes a {@code Success} under 201). */
    static Answer json(int httpStatus, ObjectNode status) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Cache-Control", "no-cache, private");
        int retryAfter = status.path("details").path("retryAfterSeconds").asInt(0);
        if (retryAfter > 0) {
            headers.put("Retry-After", String.valueOf(retryAfter));
        }
        return new Answer(httpStatus, status.toString(), headers);
    }

    /**
     * Go's {@code http.Error}, as the filters outside the API handlers use it: {@code text/plain; charset=utf-8},
     * {@code X-Content-Type-Options: nosniff}, the message and a newline.
     */
    static Answer plainText(int httpStatus, String message, Map<String, String> extraHeaders) {
        Map<String, String> headers = new LinkedHashMap<>(extraHeaders);
        headers.put("Content-Type", "text/plain; charset=utf-8");
        headers.put("X-Content-Type-Options", "nosniff");
        return new Answer(httpStatus, message + "\n", headers);
    }

    // ----------------------------------------------------------------------------------------------
    // Status objects: metav1.Status with its fields in their order, empty ones left out (omitempty)
    // ----------------------------------------------------------------------------------------------

    static ObjectNode success(int code) {
        return status("Success", code, null, null, null);
    }

    static ObjectNode failure(int code, String message, String reason, ObjectNode details) {
        return status("Failure", code, message, reason, details);
    }

    private static ObjectNode status(String outcome, int code, String message, String reason, ObjectNode details) {
        ObjectNode status = NODES.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", outcome);
        if (message != null) {
            status.put("message", message);
        }
        if (reason != null) {
            status.put("reason", reason);
        }
        if (details != null) {
            status.set("details", details);
        }
        status.put("code", code);
        return status;
    }

    /** {@code StatusDetails}: name, group, kind (the resource), then causes and retryAfterSeconds when added. */
    static ObjectNode details(String name, String group, String kind) {
        ObjectNode details = NODES.objectNode();
        if (name != null && !name.isEmpty()) {
            details.put("name", name);
        }
        if (group != null && !group.isEmpty()) {
            details.put("group", group);
        }
        if (kind != null && !kind.isEmpty()) {
            details.put("kind", kind);
        }
        return details;
    }

    /** Appends a {@code StatusCause} ({@code reason} is its type, then message, field). */
    static ObjectNode withCause(ObjectNode details, String reason, String message, String field) {
        ObjectNode cause = details.withArray("causes").addObject();
        if (reason != null) {
            cause.put("reason", reason);
        }
        cause.put("message", message);
        if (field != null) {
            cause.put("field", field);
        }
        return details;
    }

    static ObjectNode withRetryAfter(ObjectNode details, int seconds) {
        if (seconds > 0) {
            details.put("retryAfterSeconds", seconds);
        }
        return details;
    }

    /** {@code schema.GroupResource.String}: {@code resource.group}, or the resource alone in the core group. */
    static String qualified(String resource, String group) {
        return group.isEmpty() ? resource : resource + "." + group;
    }

    /** errors.go {@code NewNotFound}: {@code pods "x" not found}. */
    static ObjectNode notFound(String resource, String group, String name) {
        return failure(
                404,
                qualified(resource, group) + " \"" + name + "\" not found",
                "NotFound",
                details(name, group, resource));
    }

    /** errors.go {@code NewForbidden}: {@code <resource> "<name>" is forbidden: <why>}. */
    static ObjectNode forbidden(String resource, String group, String name, String why) {
        return failure(
                403,
                qualified(resource, group) + " \"" + name + "\" is forbidden: " + why,
                "Forbidden",
                details(name, group, resource));
    }

    /** errors.go {@code NewConflict}: {@code Operation cannot be fulfilled on <resource> "<name>": <why>}. */
    static ObjectNode conflict(String resource, String group, String name, String why) {
        return failure(
                409,
                "Operation cannot be fulfilled on " + qualified(resource, group) + " \"" + name + "\": " + why,
                "Conflict",
                details(name, group, resource));
    }

    /** errors.go {@code NewTooManyRequests}: details always present, {@code retryAfterSeconds} when above 0. */
    static ObjectNode tooManyRequests(String message, ObjectNode detailsWithCauses, int retryAfterSeconds) {
        return failure(429, message, "TooManyRequests", withRetryAfter(detailsWithCauses, retryAfterSeconds));
    }

    /** errors.go {@code NewTimeoutError}: 504, {@code Timeout: <message>}, details always present. */
    static ObjectNode timeout(String message, int retryAfterSeconds) {
        return failure(
                504, "Timeout: " + message, "Timeout", withRetryAfter(details(null, null, null), retryAfterSeconds));
    }

    /** errors.go {@code NewServiceUnavailable}. */
    static ObjectNode serviceUnavailable(String message) {
        return failure(503, message, "ServiceUnavailable", null);
    }

    /** errors.go {@code NewBadRequest}. */
    static ObjectNode badRequest(String message) {
        return failure(400, message, "BadRequest", null);
    }
}
