package io.kubevaultauthrenewer.init;

import io.kubevaultauthrenewer.renewal.Exit;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last route step: writes the variables file (the token, the secrets, LEASE_IDS) at once, quoted for
 * {@code /bin/sh}, and ends the run with status 0; or, when the run failed, makes sure no file is left.
 */
public final class InitFile {

    private static final Logger LOG = LoggerFactory.getLogger(InitFile.class);

    private final Path file;
    private final VaultToken token;
    private final SecretReads reads;
    private final Exit exit;

    public InitFile(Path file, VaultToken token, SecretReads reads, Exit exit) {
        this.file = file;
        this.token = token;
        this.reads = reads;
        this.exit = exit;
    }

    /** Route step: the file, then the end of the run. */
    public void write() throws IOException {
        Map<String, String> values = reads.values();
        List<String> leaseIds = reads.leaseIds();
        String content = VariablesFileWriter.render(token.get(), new ArrayList<>(values.entrySet()), leaseIds);
        VariablesFileWriter.write(file, content, VariablesFileWriter.DEFAULT_PERMISSIONS);
        LOG.info(
                "Wrote {}: VAULT_TOKEN, {} secret(s){}, LEASE_IDS with {} lease(s)",
                file,
                values.size(),
                values.isEmpty() ? "" : " (" + String.join(", ", values.keySet()) + ")",
                leaseIds.size());
        exit.complete(true);
    }

    /** After a failure: no file that the app could take for this run's (an earlier run's is removed too). */
    void removeAfterFailure() {
        removeAfterFailure(file);
    }

    /** The same, for a file the settings name (also when the run failed before it started: a bad setting). */
    public static void removeAfterFailure(Path file) {
        try {
            if (Files.deleteIfExists(file)) {
                LOG.warn("Removed {}, written by an earlier run: this run failed", file);
            }
        } catch (IOException e) {
            LOG.error(
                    "Cannot remove {} after the failure: {}", file, e.getClass().getSimpleName());
        }
    }
}
