package io.kubevaultauthrenewer.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

/**
 * The login's secrets, kept at the HTTP client as the Vault token is ({@link VaultHttpHeaders}): the routes post
 * {@code {"role": …}} and {@code {}}, and this handler adds the service account's JWT to the Kubernetes login and the
 * role-id and secret-id to the AppRole login; it takes the role-id, the secret-id and each login's client token out
 * of Vault's answers (the token into {@link VaultToken}, so that the next calls carry it) and leaves
 * {@value VaultHttpHeaders#REDACTED} in their place. None of them ever enters a Camel message, a log or an exception.
 */
public final class LoginCredentials implements ExecChainHandler {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String kubernetesLogin;
    private final String appRoleLogin;
    private final String appRoleRoleId;
    private final String appRoleSecretId;
    private final Supplier<String> jwt;
    private final VaultToken token;
    private volatile String roleId;
    private volatile String secretId;

    /**
     * @param vaultAddr VAULT_ADDR (its path prefix, if any, comes before {@code /v1/})
     * @param paths the login paths, as the routes call them
     * @param jwt the service account's token: KUBE_SA_TOKEN, or its file read at the call
     * @param token where the client token of each login goes
     */
    public LoginCredentials(String vaultAddr, LoginPaths paths, Supplier<String> jwt, VaultToken token) {
        String base = AnswerRewrite.apiPath(vaultAddr, true);
        this.kubernetesLogin = base + paths.kubernetesLogin();
        this.appRoleLogin = base + LoginPaths.APPROLE_LOGIN;
        this.appRoleRoleId = base + paths.appRoleRoleId();
        this.appRoleSecretId = base + paths.appRoleSecretId();
        this.jwt = jwt;
        this.token = token;
    }

    /** KUBE_SA_TOKEN when given, else the file's content when the call is made. */
    public static Supplier<String> jwt(String given, Path file) {
        return () -> {
            if (given != null) {
                return given.strip();
            }
            try {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the service account's token " + file + ": "
                        + e.getClass().getSimpleName());
            }
        };
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        String path = URI.create(request.getRequestUri()).getRawPath();
        if (path.equals(kubernetesLogin)) {
            withFields(request, "jwt", jwt.get());
        } else if (path.equals(appRoleLogin)) {
            withFields(request, "role_id", roleId, "secret_id", secretId);
        }
        ClassicHttpResponse response = chain.proceed(request, scope);
        if (response.getCode() != 200 || response.getEntity() == null) {
            return response;
        }
        if (path.equals(kubernetesLogin) || path.equals(appRoleLogin)) {
            AnswerRewrite.rewrite(
                    response, answer -> AnswerRewrite.take(answer.path("auth"), "client_token", token::set));
        } else if (path.equals(appRoleRoleId)) {
            AnswerRewrite.rewrite(
                    response, answer -> AnswerRewrite.take(answer.path("data"), "role_id", v -> roleId = v));
        } else if (path.equals(appRoleSecretId)) {
            AnswerRewrite.rewrite(
                    response, answer -> AnswerRewrite.take(answer.path("data"), "secret_id", v -> secretId = v));
        }
        return response;
    }

    /** Adds fields to the request's JSON body. */
    private static void withFields(ClassicHttpRequest request, String... namesAndValues) throws IOException {
        HttpEntity entity = request.getEntity();
        ObjectNode body;
        try (InputStream in = entity == null ? null : entity.getContent()) {
            JsonNode read = in == null ? null : JSON.readTree(in);
            body = read instanceof ObjectNode object ? object : JSON.createObjectNode();
        }
        for (int i = 0; i < namesAndValues.length; i += 2) {
            body.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        request.setEntity(new ByteArrayEntity(JSON.writeValueAsBytes(body), ContentType.APPLICATION_JSON));
    }
}
