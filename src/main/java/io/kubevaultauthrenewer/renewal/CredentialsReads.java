package io.kubevaultauthrenewer.renewal;

import io.kubevaultauthrenewer.config.Credentials;
import io.kubevaultauthrenewer.config.CredentialsSource;
import io.kubevaultauthrenewer.config.VariablesFileException;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials as each cycle reads them anew (the file may have been rewritten): the token put where the HTTP
 * client finds it, one INFO line when the token or the lease ids change, and the last good read kept when the file
 * has become unreadable (what could be kept alive is not given up).
 */
final class CredentialsReads {

    private static final Logger LOG = LoggerFactory.getLogger(RenewalCycle.class);

    /** The most lease ids the "Watching" line names. */
    static final int LEASE_IDS_LOGGED = 20;

    private final CredentialsSource source;
    private final VaultToken token;
    private Credentials last;

    CredentialsReads(CredentialsSource source, VaultToken token) {
        this.source = source;
        this.token = token;
    }

    /** Reads the credentials anew; the ones read before when the file cannot be read (and there were some). */
    synchronized Credentials load() throws VariablesFileException {
        Credentials current;
        try {
            current = source.load();
        } catch (VariablesFileException e) {
            if (last == null) {
                throw e;
            }
            LOG.error("{}; this cycle goes on with the token and lease ids read before", e.getMessage());
            current = last;
        }
        if (last == null || !last.token().equals(current.token())) {
            LOG.info("{} a token ({})", last == null ? "Using" : "Switched to", current.origin());
        }
        if (last == null || !last.leaseIds().equals(current.leaseIds())) {
            logWatched(current.leaseIds());
        }
        last = current;
        token.set(current.token());
        return current;
    }

    /** The credentials of the last cycle, or read now when no cycle has read them yet. */
    synchronized Credentials current() throws VariablesFileException {
        Credentials current = last != null ? last : source.load();
        token.set(current.token());
        return current;
    }

    private static void logWatched(List<String> ids) {
        if (ids.isEmpty()) {
            LOG.info("No lease ids (LEASE_IDS is empty): only the token is kept alive");
            return;
        }
        LOG.info("Watching {} lease(s): {}", ids.size(), names(ids));
        if (ids.size() > LEASE_IDS_LOGGED) {
            LOG.debug("Watching all of: {}", String.join(", ", ids));
        }
    }

    /**
     * The lease ids for a log line: at most {@link #LEASE_IDS_LOGGED}, so that one line stays short enough for a
     * container runtime not to split it (16 KiB).
     */
    static String names(List<String> ids) {
        if (ids.size() <= LEASE_IDS_LOGGED) {
            return String.join(", ", ids);
        }
        return String.join(", ", ids.subList(0, LEASE_IDS_LOGGED)) + ", … and " + (ids.size() - LEASE_IDS_LOGGED)
                + " more (all of them at DEBUG)";
    }
}
