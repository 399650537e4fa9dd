package io.kubevaultauthrenewer.vault;

import java.net.URI;
import org.apache.hc.client5.http.RedirectException;
import org.apache.hc.client5.http.impl.DefaultRedirectStrategy;
import org.apache.hc.client5.http.utils.URIUtils;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Follows Vault's redirects (a standby node answers 307 with the active node's address when it does not forward
 * requests) where the token may go, and refuses the others with an error that says where Vault pointed and what to
 * do about it. A 307 keeps the method and the body; the headers are set again for each hop by {@link
 * VaultHttpHeaders}.
 */
final class VaultRedirects extends DefaultRedirectStrategy {

    /** A redirect to a host the token is not sent to: not followed. */
    static final class Refused extends RedirectException {
        Refused(String message) {
            super(message);
        }
    }

    private final TokenHosts hosts;

    VaultRedirects(TokenHosts hosts) {
        this.hosts = hosts;
    }

    /** Where the redirect leads; throws {@link Refused} when that is not a host the token may go to. */
    @Override
    public URI getLocationURI(HttpRequest request, HttpResponse response, HttpContext context) throws HttpException {
        URI location = super.getLocationURI(request, response, context);
        HttpHost target = URIUtils.extractHost(location);
        if (!hosts.mayReceiveToken(target)) {
            throw new Refused("Vault redirected to "
                    + (target == null ? "an address without a host" : TokenHosts.describe(target))
                    + ", a host the token is not sent to (not VAULT_ADDR's host; list it in RENEWER_REDIRECT_HOSTS"
                    + " to follow, or point VAULT_ADDR at the active node)");
        }
        return location;
    }
}
