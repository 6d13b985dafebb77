# codeeval service image. Not built in this project's CI (no Docker engine there); see docs/operations.md
# ("Container") for the privileges the sandbox needs and why.
#
#   docker build -t codeeval .
#   docker run --rm -p 8080:8080 \
#     --security-opt seccomp=<Docker's default profile + unshare/mount/pivot_root/setns> \
#     --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
#     -v codeeval-data:/var/lib/codeeval -v $PWD/api-keys:/etc/codeeval/api-keys:ro \
#     -v /path/to/datasets:/data:ro codeeval

# ---- build stage: Swift 6 toolchain + the -dev packages the package links against
FROM swift:6.3-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libseccomp-dev libpython3.11-dev libsqlite3-dev zlib1g-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Resolve dependencies in their own layer so source edits do not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY . .
RUN swift build -c release --product codeeval \
 && swift build -c release --product codeeval-sandbox \
 && mkdir -p /out \
 && cp "$(swift build -c release --show-bin-path)/codeeval" "$(swift build -c release --show-bin-path)/codeeval-sandbox" /out/

# ---- runtime stage: slim Debian with only the shared libraries and the interpreter programs run with
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 libpython3.11 libseccomp2 libsqlite3-0 zlib1g ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
# The Swift runtime libraries (Foundation, Dispatch, stdlib) the release binaries link against.
COPY --from=builder /usr/lib/swift/linux/ /usr/lib/swift/linux/
RUN echo /usr/lib/swift/linux > /etc/ld.so.conf.d/swift.conf && ldconfig
COPY --from=builder /out/codeeval /out/codeeval-sandbox /usr/local/bin/
# Non-root service user; programs run under a further-mapped uid inside the sandbox's user namespace.
RUN useradd --system --uid 10001 --home-dir /var/lib/codeeval --create-home codeeval \
 && mkdir -p /etc/codeeval && chown codeeval /var/lib/codeeval
USER codeeval
WORKDIR /var/lib/codeeval
ENV CODEEVAL_DATA=/data
VOLUME ["/var/lib/codeeval"]
EXPOSE 8080
# /readyz, not /healthz: a server whose sandbox failed closed answers but cannot judge, so it is unhealthy.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["codeeval", "serve", "--host", "0.0.0.0"]
CMD ["--port", "8080", "--db", "/var/lib/codeeval/service.sqlite", "--api-keys", "/etc/codeeval/api-keys"]
