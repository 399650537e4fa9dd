package io.kubevaultauthrenewer.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import java.util.Map;

/**
 * A request as the emulator's secret engines and auth methods see it.
 *
 * @param path the path after {@code /v1/}, URL-decoded (e.g. {@code secret/data/my-app/db})
 * @param query the query parameters (e.g. {@code version}, {@code list})
 * @param caller the token the request names, null when it names none or one that does not exist
 * @param tokenSent whether the request names a token at all
 * @param namespace the {@code X-Vault-Namespace} header, or null
 */
record VaultCall(
        String method,
        String path,
        Map<String, String> query,
        Token caller,
        boolean tokenSent,
        JsonNode body,
        String namespace) {

    boolean read() {
        return method.equals("GET") && !list();
    }

    boolean write() {
        return method.equals("POST") || method.equals("PUT");
    }

    boolean list() {
        return method.equals("LIST") || (method.equals("GET") && "true".equals(query.get("list")));
    }

    /** The capability Vault's ACL asks of this request's operation. */
    String capability() {
        if (list()) {
            return "list";
        }
        return switch (method) {
            case "GET" -> "read";
            case "DELETE" -> "delete";
            case "PATCH" -> "patch";
            default -> "update"; // no modelled path has an existence check that would make it "create"
        };
    }

    /** A field of the JSON body as text, null when absent. */
    String field(String name) {
        JsonNode value = body.get(name);
        return value == null || value.isNull() ? null : value.asText();
    }
}
