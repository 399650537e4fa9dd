package io.kubevaultauthrenewer.vault;

/** Vault answered 2xx, but not with what the call returns: an empty body, or JSON of another shape. */
public final class UnexpectedAnswerException extends RuntimeException {

    public UnexpectedAnswerException(String message) {
        super(message);
    }
}
