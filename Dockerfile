# kube-vault-auth-renewer: built with the same Maven Wrapper as CI, run on a small Java 17 JRE as a non-root user.
#
# From source (the default: Maven runs in the JDK stage, so the build needs Maven Central):
#   docker build -t kube-vault-auth-renewer:0.1.0 .
# From a jar built beforehand (./mvnw -B -DskipTests package: target/kube-vault-auth-renewer.jar and
# target/jolokia-agent.jar, with bin/ from the context; no Maven in the build):
#   docker build --build-arg APP_FROM=jar -t kube-vault-auth-renewer:0.1.0 .
# Other bases (both must carry the same Java 17; image/build-local.sh builds with local ones):
#   docker build --build-arg JDK_IMAGE=<a JDK 17 image> --build-arg JRE_IMAGE=<a JRE 17 image> .
#
# The bases are pinned by tag; to pin them by digest, look the digest up and give it after the tag:
#   docker buildx imagetools inspect eclipse-temurin:17-jre-noble    (prints "Digest: sha256:…")
#   docker build --build-arg JRE_IMAGE=eclipse-temurin:17-jre-noble@sha256:<that digest> …
# (or change the defaults below the same way, for JDK_IMAGE too).
ARG JDK_IMAGE=eclipse-temurin:17-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:17-jre-noble
# source: Maven builds the jar in the JDK stage; jar: the jar and the Jolokia agent come from target/ in the context
ARG APP_FROM=source

FROM ${JDK_IMAGE} AS app-source
WORKDIR /build
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY src/ src/
RUN ./mvnw -B -q -DskipTests -Dspotless.skip=true package
COPY bin/ bin/
# beside the jar, the Jolokia JVM agent that the start script loads only with JOLOKIA_ENABLED=true (Hawtio)
RUN mkdir -p /app/bin \
 && cp target/kube-vault-auth-renewer.jar target/jolokia-agent.jar /app/ \
 && cp bin/kube-vault-auth-renewer bin/record-start-archive /app/bin/

FROM scratch AS app-jar
COPY target/kube-vault-auth-renewer.jar target/jolokia-agent.jar /app/
COPY bin/kube-vault-auth-renewer bin/record-start-archive /app/bin/

FROM app-${APP_FROM} AS app

# the class-data-sharing archive the start script maps (faster start, and ~30 MiB of class metadata shared
# by every renewer on a node): recorded by a training run of the renewer until its first cycle, against an
# address where nothing listens, with the runtime's JVM (bench/footprint.sh records it the same way)
FROM ${JRE_IMAGE} AS archive
COPY --from=app /app/ /app/
RUN /app/bin/record-start-archive && test -s /app/kube-vault-auth-renewer.jsa

FROM ${JRE_IMAGE}
ARG JRE_IMAGE
LABEL org.opencontainers.image.title="kube-vault-auth-renewer" \
      org.opencontainers.image.description="Sidecar that keeps a Vault token and its secrets' leases alive for the life of a pod" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${JRE_IMAGE}"
COPY --from=archive --chown=0:0 /app/ /app/
# nothing is written outside /tmp: mount an emptyDir there with readOnlyRootFilesystem
ENV JAVA_OPTS="" \
    JAVA_TOOL_OPTIONS="-Djava.io.tmpdir=/tmp"
USER 10001:10001
EXPOSE 9876
ENTRYPOINT ["/app/bin/kube-vault-auth-renewer"]
