package io.kubevaultauthrenewer.init;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.function.Consumer;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * Vault's JSON answers rewritten at the HTTP client, before Camel reads them: what the init mode keeps ({@link
 * LoginCredentials}' tokens and ids, {@link SecretAnswers}' values) is taken out and {@value VaultHttpHeaders#REDACTED}
 * left in its place, so that no Camel message, log or exception holds it.
 */
final class AnswerRewrite {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerRewrite() {}

    /** The path before {@code v1/} of every call to VAULT_ADDR (its own path prefix, if any), raw or decoded. */
    static String apiPath(String vaultAddr, boolean raw) {
        URI address = URI.create(vaultAddr);
        return (raw ? address.getRawPath() : address.getPath()).replaceAll("/+$", "") + "/v1/";
    }

    /** Reads the answer's JSON, lets {@code edit} take from it and change it, and makes the result the answer. */
    static void rewrite(ClassicHttpResponse response, Consumer<JsonNode> edit) throws IOException {
        JsonNode answer;
        try (InputStream in = response.getEntity().getContent()) {
            answer = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            // the parser's message quotes the text it read: the answer itself
            throw new IOException("Vault's answer is not JSON (HTTP " + response.getCode() + ")");
        }
        if (answer != null) {
            edit.accept(answer);
        }
        response.setEntity(new ByteArrayEntity(
                answer == null ? new byte[0] : JSON.writeValueAsBytes(answer), ContentType.APPLICATION_JSON));
    }

    /**
     * Takes {@code holder.field} out (a string or any other JSON value, as its text), hands it over, and leaves the
     * placeholder in its place; nothing when the holder has no such field.
     */
    static void take(JsonNode holder, String field, Consumer<String> to) {
        if (holder instanceof ObjectNode object && object.hasNonNull(field)) {
            JsonNode value = object.get(field);
            to.accept(value.isTextual() ? value.asText() : value.toString());
            object.put(field, VaultHttpHeaders.REDACTED);
        }
    }
}
