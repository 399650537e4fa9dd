package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One answer of the Vault emulator as it goes on the wire, and the answers Vault gives in many places: its success
 * envelope, its {@code {"errors": [...]}} body, and its refusals (texts from {@code vault/request_handling.go},
 * {@code vault/router.go} and {@code sdk/logical/response_util.go}).
 */
record VaultReply(int status, String body, Map<String, String> headers, String contentType) {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Vault's default lease TTL (768h): KV v1's refresh interval, the TTL of a token whose role sets none. */
    static final long DEFAULT_LEASE_TTL_SECONDS = 2_764_800;

    static VaultReply json(int status, JsonNode node) {
        return new VaultReply(status, node.toString(), Map.of(), "application/json");
    }

    static VaultReply noContent() {
        return new VaultReply(204, "", Map.of(), null);
    }

    /** Vault's error answer: {@code {"errors": [messages]}} (an empty list when none). */
    static VaultReply error(int status, String... messages) {
        return new VaultReply(status, errors(List.of(messages)), Map.of(), "application/json");
    }

    /**
     * Vault's error answer for an error that reached the HTTP layer through {@code request_handling.go}, which wraps
     * every handler error in a {@code go-multierror}: the one error's text as multierror prints a list of one.
     */
    static VaultReply multiError(int status, String message) {
        return error(status, "1 error occurred:\n\t* " + message + "\n\n");
    }

    static String errors(List<String> messages) {
        ObjectNode node = NODES.objectNode();
        ArrayNode list = node.putArray("errors");
        messages.forEach(list::add);
        return node.toString();
    }

    /** The envelope every successful answer shares; {@code data} null for none. */
    static ObjectNode envelope(JsonNode data) {
        ObjectNode answer = NODES.objectNode();
        answer.put("request_id", UUID.randomUUID().toString());
        answer.put("lease_id", "");
        answer.put("renewable", false);
        answer.put("lease_duration", 0);
        if (data == null) {
            answer.putNull("data");
        } else {
            answer.set("data", data);
        }
        answer.putNull("wrap_info");
        answer.putNull("warnings");
        answer.putNull("auth");
        answer.put("mount_type", "");
        return answer;
    }

    /** 403 for a token that does not exist (never did, revoked, expired), as current servers word it. */
    static VaultReply invalidToken() {
        return error(403, "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n");
    }

    /** 403 for a call without a token on a path that needs one ({@code fetchACLTokenEntryAndEntity}). */
    static VaultReply noToken() {
        return error(403, "permission denied");
    }

    /** 403 from the ACL: a valid token whose policies do not grant what the call needs. */
    static VaultReply aclDenied() {
        return multiError(403, "permission denied");
    }

    /** 404 from the router: no mount serves this path (without {@code /v1/}). */
    static VaultReply noHandler(String path) {
        return error(404, "no handler for route \"" + path + "\". route entry not found.");
    }

    /** 405: the path exists but not for this operation (a backend's {@code ErrUnsupportedOperation}). */
    static VaultReply unsupportedOperation() {
        return multiError(405, "unsupported operation");
    }

    /** 404 from a mounted backend that has no such path ({@code ErrUnsupportedPath}). */
    static VaultReply unsupportedPath() {
        return multiError(404, "unsupported path");
    }

    /** Go's {@code %q} for the names and paths Vault's messages quote. */
    static String goQuote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
