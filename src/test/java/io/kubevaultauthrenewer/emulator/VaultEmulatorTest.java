package io.kubevaultauthrenewer.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Delay;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Drop;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Lease;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RawBody;
import io.kubevaultauthrenewer.emulator.VaultEmulator.RecordedRequest;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Status;
import io.kubevaultauthrenewer.emulator.VaultEmulator.Token;
import io.kubevaultauthrenewer.emulator.VaultEmulator.TokenSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The Vault emulator over real HTTP, held against the project's notes on Vault's API (shared/VAULT-API.md): paths,
 * envelopes, status codes, error texts, TTL rules, leases dying with their token, sealing, namespaces and faults.
 * TTLs run on a {@link ShiftableClock}: real time plus jumps, so a TTL read back may be a second short.
 */
class VaultEmulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
    private static final Duration ONE_HOUR = Duration.ofHours(1);
    /** Less than a second before a max TTL: nothing left to grant, yet the token or lease still lives. */
    private static final Duration JUST_BEFORE = Duration.ofMillis(900);

    private final ShiftableClock clock = new ShiftableClock();
    private final VaultEmulator vault = VaultEmulator.start(clock);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @AfterEach
    void stop() {
        vault.close();
    }

    // ----------------------------------------------------------------------------------------------
    // lookup-self
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LookupSelf {

        @Test
        void answersAGetWithXVaultTokenInVaultsEnvelope() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("GET", "/v1/auth/token/lookup-self", token, null);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/json");
            JsonNode body = reply.json();
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("lease_id").isTextual()).isTrue();
            assertThat(body.get("lease_id").asText()).isEmpty();
            assertThat(body.get("renewable").isBoolean()).isTrue();
            assertThat(body.get("renewable").asBoolean()).isFalse();
            assertThat(body.get("lease_duration").isIntegralNumber()).isTrue();
            assertThat(body.get("lease_duration").asLong()).isZero();
            assertThat(body.get("data").isObject()).isTrue();
            assertThat(body.has("wrap_info")).isTrue();
            assertThat(body.get("wrap_info").isNull()).isTrue();
            assertThat(body.has("warnings")).isTrue();
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(body.has("auth")).isTrue();
            assertThat(body.get("auth").isNull()).isTrue();
        }

        @Test
        void answersAPostWithXVaultTokenLikeAGet() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("POST", "/v1/auth/token/lookup-self", token, "");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("accessor").asText()).isEqualTo(token.accessor);
        }

        @Test
        void acceptsTheTokenAsAnAuthorizationBearerHeader() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply get = send(request("/v1/auth/token/lookup-self")
                    .header("Authorization", "Bearer " + token.id)
                    .GET());
            Reply post = send(request("/v1/auth/token/lookup-self")
                    .header("Authorization", "Bearer " + token.id)
                    .POST(HttpRequest.BodyPublishers.noBody()));

            assertThat(get.status()).isEqualTo(200);
            assertThat(get.json().get("data").get("id").asText()).isEqualTo(token.id);
            assertThat(post.status()).isEqualTo(200);
            assertThat(post.json().get("data").get("id").asText()).isEqualTo(token.id);
        }

        @Test
        void describesTheTokenInData() throws Exception {
            Instant before = clock.instant();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(ONE_HOUR));

            JsonNode data = lookupSelf(token).json().get("data");

            assertThat(data.get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(data.get("id").asText()).isEqualTo(token.id);
            assertThat(data.get("creation_ttl").asLong()).isEqualTo(600);
            assertThat(data.get("ttl").asLong()).isBetween(599L, 600L);
            assertThat(data.get("explicit_max_ttl").asLong()).isEqualTo(3600);
            assertThat(data.get("renewable").asBoolean()).isTrue();
            assertThat(data.get("type").asText()).isEqualTo("service");
            Instant issued = Instant.parse(data.get("issue_time").asText());
            assertThat(issued).isBetween(before, clock.instant());
            assertThat(data.get("creation_time").asLong()).isEqualTo(issued.getEpochSecond());
            assertThat(Instant.parse(data.get("expire_time").asText())).isEqualTo(issued.plus(TEN_MINUTES));
            assertThat(data.has("period")).isFalse();
            assertThat(data.has("last_renewal")).isFalse();
        }

        @Test
        void countsTheTtlDownAsTheClockAdvances() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            JsonNode first = lookupSelf(token).json().get("data");

            clock.advance(Duration.ofMinutes(4));
            JsonNode later = lookupSelf(token).json().get("data");

            assertThat(later.get("ttl").asLong())
                    .isBetween(first.get("ttl").asLong() - 241, first.get("ttl").asLong() - 240);
            assertThat(later.get("ttl").asLong()).isBetween(359L, 360L);
            assertThat(later.get("creation_ttl").asLong()).isEqualTo(600);
            assertThat(later.get("expire_time").asText())
                    .isEqualTo(first.get("expire_time").asText());
        }

        @Test
        void describesARootTokenAsOneWithoutTtl() throws Exception {
            Token root = vault.createRootToken();

            Reply reply = lookupSelf(root);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode data = reply.json().get("data");
            assertThat(data.get("ttl").asLong()).isZero();
            assertThat(data.get("creation_ttl").asLong()).isZero();
            assertThat(data.has("expire_time")).isTrue();
            assertThat(data.get("expire_time").isNull()).isTrue();
            assertThat(data.get("renewable").asBoolean()).isFalse();
            assertThat(data.get("explicit_max_ttl").asLong()).isZero();
        }

        @Test
        void showsWhenTheTokenWasLastRenewed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            clock.advance(Duration.ofMinutes(3));
            Instant renewing = clock.instant();

            renewSelf(token, null);
            JsonNode data = lookupSelf(token).json().get("data");

            Instant lastRenewal = Instant.parse(data.get("last_renewal").asText());
            assertThat(lastRenewal).isBetween(renewing, clock.instant());
            assertThat(data.get("last_renewal_time").asLong()).isEqualTo(lastRenewal.getEpochSecond());
        }
    }

    // ----------------------------------------------------------------------------------------------
    // lookup of another token
    // ----------------------------------------------------------------------------------------------

    @Nested
    class TokenLookup {

        @Test
        void describesTheNamedTokenWithTheSameDataAsItsLookupSelf() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).period(TEN_MINUTES));
            clock.freeze(); // the same ttl in every answer

            Reply post = tokenLookup(root, "POST", token);
            Reply put = tokenLookup(root, "PUT", token);

            assertThat(post.status()).isEqualTo(200);
            assertThat(post.header("Content-Type")).startsWith("application/json");
            JsonNode data = post.json().get("data");
            assertThat(data).isEqualTo(lookupSelf(token).json().get("data"));
            assertThat(data.get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(data.get("period").asLong()).isEqualTo(600);
            assertThat(put.status()).isEqualTo(200);
            assertThat(put.json().get("data")).isEqualTo(data);
            assertThat(post.json().get("warnings").isNull()).isTrue();
            assertThat(post.json().get("auth").isNull()).isTrue();
        }

        @Test
        void showsLastRenewalOnlyOnceTheTokenIsRenewed() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            JsonNode before = tokenLookup(root, "POST", token).json().get("data");
            clock.advance(Duration.ofMinutes(3));
            Instant renewing = clock.instant();

            renewSelf(token, null);
            JsonNode after = tokenLookup(root, "POST", token).json().get("data");

            assertThat(before.has("last_renewal")).isFalse();
            assertThat(Instant.parse(after.get("last_renewal").asText())).isBetween(renewing, clock.instant());
        }

        @Test
        void looksUpTheCallerWhenNoTokenIsNamed() throws Exception {
            Token root = vault.createRootToken();

            Reply empty = call("POST", "/v1/auth/token/lookup", root, "{}");
            Reply get = call("GET", "/v1/auth/token/lookup", root, null);

            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.json().get("data").get("accessor").asText()).isEqualTo(root.accessor);
            assertThat(get.status()).isEqualTo(200);
            assertThat(get.json().get("data").get("accessor").asText()).isEqualTo(root.accessor);
        }

        @Test
        void saysBadTokenWith403ForATokenThatDoesNotExist() throws Exception {
            Token root = vault.createRootToken();
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token expired = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            vault.revokeToken(revoked);
            clock.advance(TEN_MINUTES.plusSeconds(1));

            List<Reply> replies = List.of(
                    call("POST", "/v1/auth/token/lookup", root, "{\"token\":\"hvs.NotAToken\"}"),
                    tokenLookup(root, "POST", revoked),
                    tokenLookup(root, "POST", expired));

            for (Reply reply : replies) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors()).containsExactly("bad token");
            }
        }

        @Test
        void deniesACallerWithoutAValidToken() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token revoked = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.revokeToken(revoked);

            for (Reply reply : List.of(tokenLookup(null, "POST", token), tokenLookup(revoked, "POST", token))) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors()).singleElement().asString().contains("permission denied", "invalid token");
            }
        }

        @Test
        void deniesATokenWithOnlyTheDefaultPolicyEvenAboutItself() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            for (Reply reply : List.of(tokenLookup(token, "POST", other), tokenLookup(token, "POST", token))) {
                assertThat(reply.status()).isEqualTo(403);
                assertThat(reply.errors())
                        .singleElement()
                        .asString()
                        .contains("permission denied")
                        .doesNotContain("invalid token");
            }
        }

        @Test
        void answersADeleteWith405() throws Exception {
            Token root = vault.createRootToken();

            assertThat(call("DELETE", "/v1/auth/token/lookup", root, null).status())
                    .isEqualTo(405);
        }

        @Test
        void recordsTheNamedTokenButPrintsTheRequestWithoutIt() throws Exception {
            Token root = vault.createRootToken();
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            tokenLookup(root, "POST", token);

            RecordedRequest lookup = vault.requests("/v1/auth/token/lookup").get(0);
            assertThat(lookup.body()).contains(token.id);
            assertThat(lookup.toString())
                    .contains("POST /v1/auth/token/lookup -> 200", "\"token\":\"****\"")
                    .doesNotContain(token.id, root.id);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // 403 permission denied
    // ----------------------------------------------------------------------------------------------

    @Nested
    class PermissionDenied {

        @Test
        void deniesAnUnknownToken() throws Exception {
            Reply reply = send(request("/v1/auth/token/lookup-self")
                    .header("X-Vault-Token", "hvs.NotAToken")
                    .GET());

            assertPermissionDenied(reply);
        }

        @Test
        void deniesARevokedToken() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            vault.revokeToken(token);

            assertPermissionDenied(lookupSelf(token));
            assertPermissionDenied(renewSelf(token, null));
        }

        @Test
        void deniesATokenOnceItsTtlHasPassed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            assertThat(lookupSelf(token).status()).isEqualTo(200);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertPermissionDenied(lookupSelf(token));
            assertPermissionDenied(renewSelf(token, null));
        }

        @Test
        void deniesACallWithoutToken() throws Exception {
            assertPermissionDenied(call("GET", "/v1/auth/token/lookup-self", null, null));
            assertPermissionDenied(call("POST", "/v1/auth/token/renew-self", null, ""));
            assertPermissionDenied(call("PUT", "/v1/sys/leases/lookup", null, "{\"lease_id\":\"a/b/c\"}"));
            assertPermissionDenied(call("PUT", "/v1/sys/leases/renew", null, "{\"lease_id\":\"a/b/c\"}"));
        }

        private void assertPermissionDenied(Reply reply) throws IOException {
            assertThat(reply.status()).isEqualTo(403);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("permission denied"));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // renew-self
    // ----------------------------------------------------------------------------------------------

    @Nested
    class RenewSelf {

        @Test
        void grantsTheCreationTtlWhenNoIncrementIsGiven() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            clock.advance(Duration.ofMinutes(7));

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("auth").get("lease_duration").asLong()).isEqualTo(600);
            assertThat(body.get("auth").get("renewable").asBoolean()).isTrue();
            assertThat(body.get("auth").get("client_token").asText()).isEqualTo(token.id);
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(599L, 600L);
        }

        @Test
        void grantsTheIncrementGivenAsADurationString() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = renewSelf(token, "{\"increment\":\"1h\"}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(3599L, 3600L);
        }

        @Test
        void grantsTheIncrementGivenInSeconds() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = renewSelf(token, "{\"increment\":7200}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(7200);
        }

        @Test
        void capsTheTtlAtTheMaxTtlWithVaultsWarning() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).maxTtl(ONE_HOUR));
            clock.advance(Duration.ofSeconds(5));

            Reply reply = renewSelf(token, "{\"increment\":\"1h\"}");

            assertThat(reply.status()).isEqualTo(200);
            long granted = reply.json().get("auth").get("lease_duration").asLong();
            // 59m55s left, less the real time between creating the token and renewing it
            assertThat(granted).isBetween(3594L, 3595L);
            assertThat(reply.warnings()).containsExactly(cappedWarning(granted));
            assertThat(lookupSelf(token).json().get("data").get("ttl").asLong()).isBetween(granted - 1, granted);
        }

        @Test
        void refusesARootTokenWithInvalidLeaseId() throws Exception {
            Token root = vault.createRootToken();

            Reply reply = renewSelf(root, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("invalid lease ID"));
        }

        @Test
        void refusesATokenThatIsNotRenewable() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).notRenewable());

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease is not renewable"));
            assertThat(lookupSelf(token).json().get("data").get("renewable").asBoolean())
                    .isFalse();
        }

        @Test
        void refusesATokenThatHasReachedItsMaxTtl() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR).maxTtl(ONE_HOUR));

            clock.advance(ONE_HOUR.minus(JUST_BEFORE));
            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("past the max TTL, cannot renew"));
        }

        @Test
        void givesAPeriodicTokenItsPeriodWhateverTheIncrement() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES).period(ONE_HOUR));
            clock.advance(Duration.ofMinutes(30));

            Reply reply = renewSelf(token, "{\"increment\":\"10m\"}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(reply.json().get("warnings").isNull()).isTrue();
            JsonNode data = lookupSelf(token).json().get("data");
            assertThat(data.get("period").asLong()).isEqualTo(3600);
            assertThat(data.get("ttl").asLong()).isBetween(3599L, 3600L);
        }

        @Test
        void capsAPeriodicTokenAtItsMaxTtlWithThePeriodWarning() throws Exception {
            Token token = vault.createToken(
                    TokenSpec.ttl(TEN_MINUTES).period(ONE_HOUR).maxTtl(Duration.ofMinutes(90)));
            clock.advance(Duration.ofMinutes(45));

            Reply reply = renewSelf(token, null);

            assertThat(reply.status()).isEqualTo(200);
            long granted = reply.json().get("auth").get("lease_duration").asLong();
            assertThat(granted).isBetween(2699L, 2700L);
            assertThat(reply.warnings())
                    .containsExactly(
                            granted == 2700
                                    ? "period of \"1h\" exceeded the effective max_ttl of \"45m\"; period value is capped"
                                            + " accordingly"
                                    : "period of \"1h\" exceeded the effective max_ttl of \"44m59s\"; period value is capped"
                                            + " accordingly");
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(TEN_MINUTES));

            Reply reply = call("GET", "/v1/auth/token/renew-self", token, null);

            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.json().get("errors").isArray()).isTrue();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // sys/leases/lookup
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LeaseLookup {

        @Test
        void describesTheLeaseInDataOnAPut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Instant before = clock.instant();
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = leaseLookup(token, "PUT", lease.id);

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("lease_id").asText()).isEmpty();
            JsonNode data = body.get("data");
            assertThat(data.get("id").asText()).isEqualTo(lease.id);
            Instant issued = Instant.parse(data.get("issue_time").asText());
            assertThat(issued).isBetween(before, clock.instant());
            assertThat(Instant.parse(data.get("expire_time").asText())).isEqualTo(issued.plus(Duration.ofMinutes(30)));
            assertThat(data.has("last_renewal")).isTrue();
            assertThat(data.get("last_renewal").isNull()).isTrue();
            assertThat(data.get("renewable").asBoolean()).isTrue();
            assertThat(data.get("ttl").asLong()).isBetween(1799L, 1800L);
        }

        @Test
        void answersAPostLikeAPut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "aws/creds/deploy", Duration.ofMinutes(30), ONE_HOUR, false);

            Reply reply = leaseLookup(token, "POST", lease.id);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("id").asText()).isEqualTo(lease.id);
            assertThat(reply.json().get("data").get("renewable").asBoolean()).isFalse();
        }

        @Test
        void countsTheTtlDownAsTheClockAdvances() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            clock.advance(Duration.ofMinutes(12));

            assertThat(leaseLookup(token, "PUT", lease.id)
                            .json()
                            .get("data")
                            .get("ttl")
                            .asLong())
                    .isBetween(1079L, 1080L);
        }

        @Test
        void setsLastRenewalOnceTheLeaseIsRenewed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            clock.advance(Duration.ofMinutes(10));
            Instant renewing = clock.instant();

            assertThat(leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}").status())
                    .isEqualTo(200);
            JsonNode data = leaseLookup(token, "PUT", lease.id).json().get("data");

            assertThat(data.get("last_renewal").isTextual()).isTrue();
            Instant lastRenewal = Instant.parse(data.get("last_renewal").asText());
            assertThat(lastRenewal).isBetween(renewing, clock.instant());
            assertThat(Instant.parse(data.get("expire_time").asText()))
                    .isEqualTo(lastRenewal.plus(Duration.ofMinutes(30)));
        }

        @Test
        void saysInvalidLeaseForAnUnknownLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            assertInvalidLease(leaseLookup(token, "PUT", "database/creds/app/NoSuchLease"));
        }

        @Test
        void saysInvalidLeaseForAnExpiredLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertInvalidLease(leaseLookup(token, "PUT", lease.id));
        }

        @Test
        void saysInvalidLeaseForARevokedLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);

            vault.revokeLease(lease);

            assertInvalidLease(leaseLookup(token, "PUT", lease.id));
        }

        @Test
        void saysLeaseIdMustBeSpecifiedForAnEmptyId() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            for (Reply reply :
                    List.of(leaseLookup(token, "PUT", ""), call("PUT", "/v1/sys/leases/lookup", token, "{}"))) {
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease_id must be specified"));
            }
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = call("GET", "/v1/sys/leases/lookup", token, null);

            assertThat(reply.status()).isEqualTo(405);
            assertThat(reply.json().get("errors").isArray()).isTrue();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // sys/leases/renew
    // ----------------------------------------------------------------------------------------------

    @Nested
    class LeaseRenew {

        @Test
        void answersWithLeaseIdRenewableAndLeaseDurationAtTheTopLevel() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}");

            assertThat(reply.status()).isEqualTo(200);
            JsonNode body = reply.json();
            assertThat(body.get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(body.get("renewable").asBoolean()).isTrue();
            assertThat(body.get("lease_duration").asLong()).isEqualTo(600);
            assertThat(body.get("request_id").asText()).isNotBlank();
            assertThat(body.get("warnings").isNull()).isTrue();
            assertThat(body.has("data")).isTrue();
            assertThat(body.has("wrap_info")).isTrue();
            assertThat(body.has("auth")).isTrue();
        }

        @Test
        void replacesTheRemainingTtlWithTheIncrementRatherThanAddingToIt() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ofHours(4), true);
            clock.advance(Duration.ofMinutes(5));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}");

            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(600);
            assertThat(leaseLookup(token, "PUT", lease.id)
                            .json()
                            .get("data")
                            .get("ttl")
                            .asLong())
                    .isBetween(599L, 600L);
        }

        @Test
        void grantsTheLeasesOwnTtlWhenNoIncrementIsGiven() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            clock.advance(Duration.ofMinutes(20));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(1800);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }

        @Test
        void capsTheTtlAtTheMaxTtlWithVaultsWarning() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            clock.advance(Duration.ofSeconds(5));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":3600}");

            assertThat(reply.status()).isEqualTo(200);
            long granted = reply.json().get("lease_duration").asLong();
            assertThat(granted).isBetween(3594L, 3595L);
            assertThat(reply.warnings()).containsExactly(cappedWarning(granted));
        }

        @Test
        void takesTheLeaseIdFromThePathSuffix() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply = call("PUT", "/v1/sys/leases/renew/" + lease.id, token, "{\"increment\":600}");

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(reply.json().get("lease_duration").asLong()).isEqualTo(600);
        }

        @Test
        void prefersTheLeaseIdInTheBodyToThePathSuffix() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease inBody = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);
            Lease inPath = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply reply =
                    call("PUT", "/v1/sys/leases/renew/" + inPath.id, token, "{\"lease_id\":\"" + inBody.id + "\"}");

            assertThat(reply.json().get("lease_id").asText()).isEqualTo(inBody.id);
            assertThat(vault.renewals(inBody)).isEqualTo(1);
            assertThat(vault.renewals(inPath)).isZero();
        }

        @Test
        void renewsOnTheLegacyPathToo() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", Duration.ofMinutes(30), ONE_HOUR, true);

            Reply inBody =
                    call("POST", "/v1/sys/renew", token, "{\"lease_id\":\"" + lease.id + "\",\"increment\":900}");
            Reply inPath = call("PUT", "/v1/sys/renew/" + lease.id, token, "{\"increment\":1200}");

            assertThat(inBody.status()).isEqualTo(200);
            assertThat(inBody.json().get("lease_id").asText()).isEqualTo(lease.id);
            assertThat(inBody.json().get("lease_duration").asLong()).isEqualTo(900);
            assertThat(inPath.status()).isEqualTo(200);
            assertThat(inPath.json().get("lease_duration").asLong()).isEqualTo(1200);
            assertThat(vault.renewals(lease)).isEqualTo(2);
        }

        @Test
        void saysLeaseNotFoundForAnUnknownOrExpiredLease() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, ONE_HOUR, true);
            clock.advance(TEN_MINUTES.plusSeconds(1));

            for (String id : List.of("database/creds/app/NoSuchLease", lease.id)) {
                Reply reply = leaseRenew(token, "{\"lease_id\":\"" + id + "\"}");
                assertThat(reply.status()).isEqualTo(400);
                assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease not found"));
            }
        }

        @Test
        void saysLeaseIsNotRenewable() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "aws/creds/deploy", Duration.ofMinutes(30), ONE_HOUR, false);

            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease is not renewable"));
            assertThat(vault.renewals(lease)).isZero();
        }

        @Test
        void saysPastTheMaxTtlOnceTheLeaseHasReachedIt() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, ONE_HOUR, true);

            clock.advance(ONE_HOUR.minus(JUST_BEFORE));
            Reply reply = leaseRenew(token, "{\"lease_id\":\"" + lease.id + "\"}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("past the max TTL, cannot renew"));
        }

        @Test
        void saysLeaseIdMustBeSpecifiedWithoutAnId() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = leaseRenew(token, "{\"increment\":600}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("lease_id must be specified"));
        }

        @Test
        void refusesToRenewATokenThroughThisEndpoint() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            Reply reply = leaseRenew(token, "{\"lease_id\":\"auth/kubernetes/login/AbCd\"}");

            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.errors())
                    .anySatisfy(e -> assertThat(e).contains("tokens cannot be renewed through this endpoint"));
        }

        @Test
        void answersAGetWith405() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));

            assertThat(call("GET", "/v1/sys/leases/renew", token, null).status())
                    .isEqualTo(405);
            assertThat(call("GET", "/v1/sys/renew", token, null).status()).isEqualTo(405);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Tokens own their leases
    // ----------------------------------------------------------------------------------------------

    @Nested
    class TokensOwnTheirLeases {

        @Test
        void aTokensExpiryRevokesEveryLeaseItCreatedButNoOtherTokensLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(TEN_MINUTES));
            Token other = vault.createToken(TokenSpec.ttl(Duration.ofHours(2)));
            Lease database = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            Lease aws = vault.createLease(owner, "aws/creds/deploy", ONE_HOUR, Duration.ZERO, true);
            Lease others = vault.createLease(other, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            clock.advance(TEN_MINUTES.plusSeconds(1));

            assertInvalidLease(leaseLookup(other, "PUT", database.id));
            assertInvalidLease(leaseLookup(other, "PUT", aws.id));
            Reply survivor = leaseLookup(other, "PUT", others.id);
            assertThat(survivor.status()).isEqualTo(200);
            assertThat(survivor.json().get("data").get("ttl").asLong()).isBetween(2998L, 2999L);
        }

        @Test
        void aTokensRevocationRevokesEveryLeaseItCreatedButNoOtherTokensLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease database = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            Lease aws = vault.createLease(owner, "aws/creds/deploy", ONE_HOUR, Duration.ZERO, true);
            Lease others = vault.createLease(other, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            vault.revokeToken(owner);

            assertInvalidLease(leaseLookup(other, "PUT", database.id));
            assertInvalidLease(leaseLookup(other, "PUT", aws.id));
            assertThat(leaseLookup(other, "PUT", others.id).status()).isEqualTo(200);
        }

        @Test
        void aTokenRevokingItselfOverHttpRevokesItsLeases() throws Exception {
            Token owner = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Token other = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(owner, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            Reply reply = call("POST", "/v1/auth/token/revoke-self", owner, "");

            assertThat(reply.status()).isEqualTo(204);
            assertThat(lookupSelf(owner).status()).isEqualTo(403);
            assertInvalidLease(leaseLookup(other, "PUT", lease.id));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Sealed
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Sealed {

        @Test
        void aSealedVaultAnswersEveryCallWith503UntilUnsealed() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String leaseBody = "{\"lease_id\":\"" + lease.id + "\"}";

            vault.seal();
            List<Reply> sealed = List.of(
                    call("GET", "/v1/auth/token/lookup-self", token, null),
                    call("POST", "/v1/auth/token/lookup-self", token, ""),
                    call("POST", "/v1/auth/token/renew-self", token, ""),
                    call("PUT", "/v1/sys/leases/lookup", token, leaseBody),
                    call("PUT", "/v1/sys/leases/renew", token, leaseBody),
                    call("PUT", "/v1/sys/renew", token, leaseBody),
                    call("GET", "/v1/auth/token/lookup-self", null, null),
                    call("GET", "/v1/secret/data/anything", token, null));

            for (Reply reply : sealed) {
                assertThat(reply.status()).isEqualTo(503);
                assertThat(reply.errors()).containsExactly("Vault is sealed");
            }
            assertThat(vault.renewals(token)).isZero();
            assertThat(vault.renewals(lease)).isZero();

            vault.unseal();

            assertThat(lookupSelf(token).status()).isEqualTo(200);
            assertThat(leaseRenew(token, leaseBody).status()).isEqualTo(200);
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Namespaces
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Namespaces {

        @Test
        void aLeaseIssuedInANamespaceIsFoundOnlyWithThatNamespaceHeader() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease =
                    vault.addLease("database/creds/app/AbCd.x7Yz", token, ONE_HOUR, Duration.ZERO, true, "team-a");
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            Reply withoutNamespace = call("PUT", "/v1/sys/leases/lookup", token, body);
            Reply otherNamespace = inNamespace("team-b", "/v1/sys/leases/lookup", token, body);
            Reply sameNamespace = inNamespace("team-a", "/v1/sys/leases/lookup", token, body);

            assertInvalidLease(withoutNamespace);
            assertInvalidLease(otherNamespace);
            assertThat(sameNamespace.status()).isEqualTo(200);
            assertThat(sameNamespace.json().get("data").get("id").asText()).isEqualTo(lease.id);
        }

        @Test
        void aLeaseIssuedInANamespaceIsRenewedOnlyInThatNamespace() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease =
                    vault.addLease("database/creds/app/AbCd.x7Yz", token, ONE_HOUR, Duration.ZERO, true, "team-a");
            String body = "{\"lease_id\":\"" + lease.id + "\"}";

            Reply withoutNamespace = call("PUT", "/v1/sys/leases/renew", token, body);
            Reply sameNamespace = inNamespace("team-a", "/v1/sys/leases/renew", token, body);

            assertThat(withoutNamespace.status()).isEqualTo(400);
            assertThat(withoutNamespace.errors()).anySatisfy(e -> assertThat(e).contains("lease not found"));
            assertThat(sameNamespace.status()).isEqualTo(200);
            assertThat(vault.renewals(lease)).isEqualTo(1);
        }

        @Test
        void aLeaseIssuedOutsideNamespacesIsNotFoundFromInsideOne() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);

            assertInvalidLease(
                    inNamespace("team-a", "/v1/sys/leases/lookup", token, "{\"lease_id\":\"" + lease.id + "\"}"));
        }

        private Reply inNamespace(String namespace, String path, Token token, String body) throws Exception {
            return send(request(path)
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Namespace", namespace)
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
        }
    }

    // ----------------------------------------------------------------------------------------------
    // Faults and the request log
    // ----------------------------------------------------------------------------------------------

    @Nested
    class Faults {

        @Test
        void anInjectedStatusAnswersTheNextMatchingCallsThenVaultAnswersNormallyAgain() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 2, VaultEmulator.status(429, "rate limited"));

            Reply first = lookupSelf(token);
            Reply renewal = renewSelf(token, null);
            Reply second = lookupSelf(token);
            Reply third = lookupSelf(token);

            assertThat(first.status()).isEqualTo(429);
            assertThat(first.errors()).containsExactly("rate limited");
            assertThat(renewal.status()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(429);
            assertThat(third.status()).isEqualTo(200);
        }

        @Test
        void anInjectedStatusCarriesItsHeaders() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("", 1, new Status(429, List.of("lease count quota exceeded"), Map.of("Retry-After", "7")));

            Reply reply = lookupSelf(token);

            assertThat(reply.status()).isEqualTo(429);
            assertThat(reply.header("Retry-After")).isEqualTo("7");
            assertThat(reply.errors()).containsExactly("lease count quota exceeded");
        }

        @Test
        void aRawBodyAnswersWithThatStatusAndBody() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            String html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
            vault.inject("sys/leases", 1, new RawBody(502, "text/html", html));

            Reply reply = call("PUT", "/v1/sys/leases/lookup", token, "{\"lease_id\":\"x\"}");

            assertThat(reply.status()).isEqualTo(502);
            assertThat(reply.header("Content-Type")).startsWith("text/html");
            assertThat(reply.body()).isEqualTo(html);
            assertThat(vault.requests().get(0).status()).isEqualTo(502);
        }

        @Test
        void aRawBodyCanBeAnEmpty200() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new RawBody(200, "application/json", ""));

            Reply empty = renewSelf(token, null);
            Reply normal = renewSelf(token, null);

            assertThat(empty.status()).isEqualTo(200);
            assertThat(empty.body()).isEmpty();
            assertThat(normal.json().get("auth").get("lease_duration").asLong()).isEqualTo(3600);
            assertThat(vault.renewals(token)).isEqualTo(1);
        }

        @Test
        void aDropClosesTheConnectionWithoutAnAnswer() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new Drop());

            assertThatThrownBy(() -> renewSelf(token, null)).isInstanceOf(IOException.class);

            assertThat(renewSelf(token, null).status()).isEqualTo(200);
            assertThat(vault.renewals(token)).isEqualTo(1);
        }

        @Test
        void aCutShortAppliesTheRequestButEndsTheConnectionHalfwayThroughTheAnswer() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("renew-self", 1, new VaultEmulator.CutShort());

            assertThatThrownBy(() -> renewSelf(token, null)).isInstanceOf(IOException.class);

            assertThat(vault.renewals(token)).isEqualTo(1);
            assertThat(renewSelf(token, null).status()).isEqualTo(200);
        }

        @Test
        void aDelayAnswersLateButNormally() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 1, new Delay(Duration.ofMillis(400)));

            long start = System.nanoTime();
            Reply reply = lookupSelf(token);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.json().get("data").get("accessor").asText()).isEqualTo(token.accessor);
            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }

        @Test
        void aBeforeRunsItsActionAndThenAnswersAsVaultNowWould() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", TEN_MINUTES, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\"}";
            vault.inject("sys/leases/renew", 1, new VaultEmulator.Before(() -> clock.advance(TEN_MINUTES)));

            Reply lookup = call("PUT", "/v1/sys/leases/lookup", token, body);
            Reply renewal = call("PUT", "/v1/sys/leases/renew", token, body);

            assertThat(lookup.status()).isEqualTo(200);
            assertThat(renewal.status()).isEqualTo(400);
            assertThat(renewal.errors()).containsExactly("lease not found");
            assertThat(vault.requests()).extracting(RecordedRequest::status).containsExactly(200, 400);
        }

        @Test
        void aDelayLongerThanTheClientsTimeoutTimesTheCallOut() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            vault.inject("lookup-self", 1, new Delay(Duration.ofSeconds(1)));

            assertThatThrownBy(() -> send(request("/v1/auth/token/lookup-self")
                            .timeout(Duration.ofMillis(100))
                            .header("X-Vault-Token", token.id)
                            .GET()))
                    .isInstanceOf(HttpTimeoutException.class);
        }

        @Test
        void countsTheMostRequestsAnsweredAtTheSameTime() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            lookupSelf(token);
            lookupSelf(token);
            assertThat(vault.mostInFlight()).isEqualTo(1);

            vault.inject("lookup-self", 2, new Delay(Duration.ofMillis(500)));
            var first = http.sendAsync(
                    request("/v1/auth/token/lookup-self")
                            .header("X-Vault-Token", token.id)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Reply second = lookupSelf(token);

            assertThat(first.get().statusCode()).isEqualTo(200);
            assertThat(second.status()).isEqualTo(200);
            assertThat(vault.mostInFlight()).isEqualTo(2);
        }

        @Test
        void requestsRecordsMethodPathLowerCasedHeadersBodyAndStatus() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            Lease lease = vault.createLease(token, "database/creds/app", ONE_HOUR, Duration.ZERO, true);
            String body = "{\"lease_id\":\"" + lease.id + "\",\"increment\":600}";
            vault.inject("renew-self", 1, new Drop());
            vault.inject("lookup-self", 1, VaultEmulator.status(429, "rate limited"));

            send(request("/v1/sys/leases/renew")
                    .header("X-Vault-Token", token.id)
                    .header("X-Vault-Request", "true")
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
            assertThatThrownBy(() -> renewSelf(token, "{\"increment\":\"1h\"}")).isInstanceOf(IOException.class);
            lookupSelf(token);

            List<RecordedRequest> requests = vault.requests();
            assertThat(requests).hasSize(3);
            RecordedRequest renewal = requests.get(0);
            assertThat(renewal.method()).isEqualTo("PUT");
            assertThat(renewal.path()).isEqualTo("/v1/sys/leases/renew");
            assertThat(renewal.headers()).containsEntry("x-vault-token", token.id);
            assertThat(renewal.headers()).containsEntry("x-vault-request", "true");
            assertThat(renewal.headers().keySet()).allSatisfy(k -> assertThat(k).isLowerCase());
            assertThat(renewal.header("X-Vault-Request")).isEqualTo("true");
            assertThat(renewal.body()).isEqualTo(body);
            assertThat(renewal.leaseId()).isEqualTo(lease.id);
            assertThat(renewal.status()).isEqualTo(200);
            RecordedRequest dropped = requests.get(1);
            assertThat(dropped.method()).isEqualTo("POST");
            assertThat(dropped.path()).isEqualTo("/v1/auth/token/renew-self");
            assertThat(dropped.body()).isEqualTo("{\"increment\":\"1h\"}");
            assertThat(dropped.status()).isZero();
            RecordedRequest limited = requests.get(2);
            assertThat(limited.method()).isEqualTo("GET");
            assertThat(limited.status()).isEqualTo(429);
            assertThat(vault.requests("/v1/sys/leases/renew")).containsExactly(renewal);

            vault.clearRequests();
            assertThat(vault.requests()).isEmpty();
        }
    }

    // ----------------------------------------------------------------------------------------------
    // HTTP helpers
    // ----------------------------------------------------------------------------------------------

    /** An answer: status, headers and raw body, the body read as JSON on demand. */
    private record Reply(int status, HttpResponse<String> response) {

        String body() {
            return response.body();
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body());
        }

        List<String> errors() throws IOException {
            return texts(json().get("errors"));
        }

        List<String> warnings() throws IOException {
            return texts(json().get("warnings"));
        }

        private static List<String> texts(JsonNode array) {
            assertThat(array).isNotNull();
            assertThat(array.isArray()).as("a JSON list, not %s", array).isTrue();
            List<String> texts = new ArrayList<>();
            array.forEach(e -> texts.add(e.asText()));
            return texts;
        }
    }

    // ----------------------------------------------------------------------------------------------
    // a standby node
    // ----------------------------------------------------------------------------------------------

    @Nested
    class StandbyNode {

        @Test
        void redirectsEveryRequestToTheActiveNodeWithItsPathAndQueryAndNoBody() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            VaultEmulator.Standby standby = vault.startStandby("https://vault-0.vault-internal:8200/");

            HttpResponse<String> answer = http.send(
                    HttpRequest.newBuilder(URI.create(standby.address() + "/v1/sys/leases/lookup?list=true"))
                            .header("X-Vault-Token", token.id)
                            .PUT(HttpRequest.BodyPublishers.ofString("{\"lease_id\":\"a/b\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(307);
            assertThat(answer.headers().firstValue("Location"))
                    .hasValue("https://vault-0.vault-internal:8200/v1/sys/leases/lookup?list=true");
            assertThat(answer.body()).isEmpty();
            assertThat(vault.requests()).singleElement().satisfies(r -> {
                assertThat(r.status()).isEqualTo(307);
                assertThat(r.leaseId()).isEqualTo("a/b");
                assertThat(r.header("Host")).isEqualTo("127.0.0.1:" + standby.port());
            });
        }

        @Test
        void answersItselfOncePromotedAndRedirectsAgainWhenToldTo() throws Exception {
            Token token = vault.createToken(TokenSpec.ttl(ONE_HOUR));
            VaultEmulator.Standby standby = vault.startStandby(vault.address());
            HttpRequest lookup = HttpRequest.newBuilder(URI.create(standby.address() + "/v1/auth/token/lookup-self"))
                    .header("X-Vault-Token", token.id)
                    .build();

            standby.promote();
            int promoted =
                    http.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode();
            standby.redirectTo(vault.address());
            int demoted =
                    http.send(lookup, HttpResponse.BodyHandlers.ofString()).statusCode();

            assertThat(promoted).isEqualTo(200);
            assertThat(demoted).isEqualTo(307);
        }
    }

    private static String cappedWarning(long grantedSeconds) {
        String max = grantedSeconds == 3595 ? "59m55s" : "59m54s";
        return "TTL of \"1h\" exceeded the effective max_ttl of \"" + max + "\"; TTL value is capped accordingly";
    }

    private static void assertInvalidLease(Reply reply) throws IOException {
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errors()).anySatisfy(e -> assertThat(e).contains("invalid lease"));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(vault.address() + path)).timeout(Duration.ofSeconds(10));
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response);
    }

    /** A call with the token (if any) in X-Vault-Token and a body (null: none). */
    private Reply call(String method, String path, Token token, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = request(path).header("X-Vault-Request", "true");
        if (token != null) {
            request.header("X-Vault-Token", token.id);
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return send(request);
    }

    private Reply lookupSelf(Token token) throws IOException, InterruptedException {
        return call("GET", "/v1/auth/token/lookup-self", token, null);
    }

    /** {@code auth/token/lookup} by {@code caller} (null: no token) of the token {@code named}. */
    private Reply tokenLookup(Token caller, String method, Token named) throws IOException, InterruptedException {
        return call(method, "/v1/auth/token/lookup", caller, "{\"token\":\"" + named.id + "\"}");
    }

    private Reply renewSelf(Token token, String body) throws IOException, InterruptedException {
        return call("POST", "/v1/auth/token/renew-self", token, body == null ? "" : body);
    }

    private Reply leaseLookup(Token token, String method, String leaseId) throws IOException, InterruptedException {
        return call(method, "/v1/sys/leases/lookup", token, "{\"lease_id\":\"" + leaseId + "\"}");
    }

    private Reply leaseRenew(Token token, String body) throws IOException, InterruptedException {
        return call("PUT", "/v1/sys/leases/renew", token, body);
    }
}
