package io.kubevaultauthrenewer.vault;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * The envelope Vault wraps every successful answer in, with only the fields the renewer reads. The token itself
 * ({@code data.id}, {@code auth.client_token}) is deliberately not mapped.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record VaultAnswer(
        String leaseId, Boolean renewable, Long leaseDuration, Data data, List<String> warnings, Auth auth) {

    /** {@code data} of lookup-self and of sys/leases/lookup. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Data(
            Long ttl,
            Boolean renewable,
            Long creationTtl,
            String accessor,
            String expireTime,
            String issueTime,
            String lastRenewal,
            Long period,
            Long explicitMaxTtl,
            Long numUses) {

        /**
         * True for a token or lease without an expiry (a root token, a non-expiring lease): Vault then answers
         * {@code ttl} 0 and no {@code expire_time}. A {@code ttl} of 0 with an expiry time means less than a second
         * is left, which is the most urgent case there is, not "never".
         */
        public boolean neverExpires() {
            return ttl != null && ttl == 0 && (expireTime == null || expireTime.isBlank());
        }

        /**
         * True for a lease that has expired but that Vault still lists because its revocation failed and is being
         * retried ({@code vault/expiration.go}: a pending revocation, then an irrevocable lease): {@code renewable}
         * false and a {@code ttl} of 0 or less. Its secret is dead; no renewal can bring it back.
         */
        public boolean expiredButListed() {
            return !neverExpires() && Boolean.FALSE.equals(renewable) && ttl != null && ttl <= 0;
        }
    }

    /** {@code auth} of renew-self. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Auth(Long leaseDuration, Boolean renewable, String accessor) {}

    /** The lookup's data, checked for the fields every lookup answer has. */
    public Data lookupData(String call) {
        if (data == null || data.ttl() == null) {
            throw new UnexpectedAnswerException("Vault's answer to " + call + " has no data.ttl");
        }
        return data;
    }

    /** The TTL granted by a lease renewal. */
    public long grantedLeaseDuration(String call) {
        if (leaseDuration == null) {
            throw new UnexpectedAnswerException("Vault's answer to " + call + " has no lease_duration");
        }
        return leaseDuration;
    }

    /** The TTL granted by a token renewal. */
    public long grantedTokenDuration(String call) {
        if (auth == null || auth.leaseDuration() == null) {
            throw new UnexpectedAnswerException("Vault's answer to " + call + " has no auth.lease_duration");
        }
        return auth.leaseDuration();
    }

    public List<String> warningsOrEmpty() {
        return warnings == null ? List.of() : warnings;
    }
}
