# certhub's container image, for a machine with a container engine:
#   docker build -t certhub . && docker run -p 8080:8080 -v certhub:/var/lib/certhub certhub serve --demo
# Without one, `go run ./deploy/image` builds the same image as a tarball
# (docker load / podman load read it); deploy/image's test checks what is
# inside. Both: a static binary on an empty base, run as an unprivileged
# user, its data in a volume.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ENV GOTOOLCHAIN=local CGO_ENABLED=0
RUN go build -trimpath -ldflags="-s -w" -o /out/certhub ./cmd/certhub \
 && mkdir -p /out/data /out/tmp \
 && printf 'root:x:0:0:root:/root:/sbin/nologin\ncerthub:x:65532:65532:certhub:/var/lib/certhub:/sbin/nologin\n' >/out/passwd \
 && printf 'root:x:0:\ncerthub:x:65532:\n' >/out/group \
 && printf 'hosts: files dns\n' >/out/nsswitch.conf

FROM scratch
COPY --from=build /out/certhub /usr/local/bin/certhub
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/passwd /out/group /out/nsswitch.conf /etc/
COPY --from=build --chown=65532:65532 --chmod=750 /out/data /var/lib/certhub
COPY --from=build --chmod=1777 /out/tmp /tmp
ENV CERTHUB_DATA=/var/lib/certhub CERTHUB_ADDR=0.0.0.0:8080 CERTHUB_LOG_FORMAT=json SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
USER 65532:65532
WORKDIR /var/lib/certhub
VOLUME /var/lib/certhub
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/certhub"]
CMD ["serve"]
