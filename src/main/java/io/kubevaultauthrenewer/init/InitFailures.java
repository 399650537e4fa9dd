package io.kubevaultauthrenewer.init;

import io.kubevaultauthrenewer.renewal.Exit;
import io.kubevaultauthrenewer.vault.VaultFailure;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The init's error policy: {@link #isPermanent} tells the error policy which failures are not worth another try
 * (the renewer's transient ones are: network, timeouts, 412, 429, 5xx); {@link #process} is the dead letter: one ERROR line naming what
 * failed (the login and its role and auth path, or the SECRET_* variables and their path), Vault's own text, and the
 * end of the run with status 1, leaving no file. The route ends where the failure happened.
 */
public final class InitFailures implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(InitFailures.class);

    private final InitSettings settings;
    private final InitFile file;
    private final Exit exit;
    private volatile boolean failed;

    public InitFailures(InitSettings settings, InitFile file, Exit exit) {
        this.settings = settings;
        this.file = file;
        this.exit = exit;
    }

    /**
     * Route step (the error policy's {@code onWhen}): true when no retry can mend the failure (a refusal, a missing
     * field): it ends the run at once; network, timeouts, 412, 429 and 5xx are tried again.
     */
    public boolean isPermanent(Exchange exchange) {
        Throwable e = exchange.getException();
        if (e == null) {
            e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        }
        return e instanceof InitProblem || !VaultFailure.of(e).isTransient();
    }

    @Override
    public void process(Exchange exchange) {
        if (failed) {
            return; // a failure inside the split reaches the route's error handler a second time
        }
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String step = exchange.getVariable("failedStep", String.class);
        String what = what(step, exchange);
        String why = e instanceof InitProblem ? null : VaultFailure.of(e).describe();
        if (e instanceof InitProblem) {
            LOG.error("Init failed: {}", e.getMessage());
        } else {
            LOG.error("Init failed: {}: {}", what, why);
        }
        failed = true;
        file.removeAfterFailure();
        exit.complete(false);
    }

    /** What the failed step was doing, in words. */
    private String what(String step, Exchange exchange) {
        LoginPaths paths = new LoginPaths(settings.kubernetesAuthPath(), settings.appRole());
        String auth = "auth/" + settings.kubernetesAuthPath();
        return switch (step == null ? "" : step) {
            case "vault-kubernetes-login" ->
                "login refused by " + paths.kubernetesLogin() + " (role " + settings.kubernetesRole() + ")";
            case "vault-approle-role-id" ->
                "cannot read the role-id of AppRole " + settings.appRole() + " (" + paths.appRoleRoleId()
                        + ") with the token of " + auth;
            case "vault-approle-secret-id" ->
                "cannot create a secret-id for AppRole " + settings.appRole() + " (" + paths.appRoleSecretId()
                        + ") with the token of " + auth;
            case "vault-approle-login" ->
                "login refused by " + LoginPaths.APPROLE_LOGIN + " (AppRole " + settings.appRole() + ")";
            case "vault-secret-read", "vault-secret-mount" ->
                exchange.getVariable("variables", String.class) + " (" + exchange.getVariable("path", String.class)
                        + ")";
            default -> "step " + step;
        };
    }
}
