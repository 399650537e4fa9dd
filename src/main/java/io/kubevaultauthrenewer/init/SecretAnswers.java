package io.kubevaultauthrenewer.init;

import java.io.IOException;
import java.net.URI;
import org.apache.hc.client5.http.classic.ExecChain;
import org.apache.hc.client5.http.classic.ExecChainHandler;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpException;

/**
 * The secrets' values, kept at the HTTP client as the login's secrets are ({@link LoginCredentials}): the answer of
 * each secret read {@link SecretReads} awaits goes straight to it, which keeps the values and leaves {@value
 * io.kubevaultauthrenewer.vault.VaultHttpHeaders#REDACTED} in their place; the route then reads only the fields'
 * names, the lease and the version. No value ever enters a Camel message, a log or an exception.
 */
public final class SecretAnswers implements ExecChainHandler {

    private final String base;
    private final SecretReads reads;

    /**
     * @param vaultAddr VAULT_ADDR (its path prefix, if any, comes before {@code /v1/})
     * @param reads the reads awaited, and where their values are kept
     */
    public SecretAnswers(String vaultAddr, SecretReads reads) {
        this.base = AnswerRewrite.apiPath(vaultAddr, false);
        this.reads = reads;
    }

    @Override
    public ClassicHttpResponse execute(ClassicHttpRequest request, ExecChain.Scope scope, ExecChain chain)
            throws IOException, HttpException {
        ClassicHttpResponse response = chain.proceed(request, scope);
        String path = URI.create(request.getRequestUri()).getPath();
        if (response.getCode() != 200
                || response.getEntity() == null
                || !request.getMethod().equals("GET")
                || !path.startsWith(base)) {
            return response;
        }
        String readPath = path.substring(base.length());
        if (reads.awaits(readPath)) {
            AnswerRewrite.rewrite(response, answer -> reads.answered(readPath, answer));
        }
        return response;
    }
}
