package io.kubevaultauthrenewer.init;

/**
 * What makes the init fail that is not a failed call: a field missing from a secret, a login that gave no token. Its
 * message is the whole line (it names the variable, the path and the field, never a value).
 */
public final class InitProblem extends RuntimeException {

    public InitProblem(String message) {
        super(message, null, false, false);
    }
}
