#!/usr/bin/env bash
# Installs the production stack on Ubuntu 24.04 (run as root from a checkout of this repository):
# checks the NVIDIA GPU and driver, installs Docker and the NVIDIA Container Toolkit, writes .env
# with strong secrets, creates a self-signed TLS certificate (or installs a given one), downloads
# the Whisper model, starts everything and prints the URLs and the first admin login.
# Running it again changes nothing that already works: existing secrets, certificate, model and
# containers are kept; only what is missing is added.
#
#   sudo scripts/install-server.sh [options]
#     --domain NAME          host name or IP the users open (default: this machine's FQDN or IP)
#     --admin-email EMAIL    first admin's login (default admin@<domain>)
#     --cert FILE --key FILE use this certificate (full chain) and key instead of a self-signed one
#     --model NAME           Whisper model (default large-v3-turbo on a GPU, base-q5_1 on the CPU)
#     --cpu | --gpu          force the worker variant (default: gpu when nvidia-smi sees a GPU)
#     --extension-id ID      Chrome extension id allowed to call the API (repeatable)
#     --install-driver       install the recommended NVIDIA driver when missing (then reboot)
#     --env-only             only write .env and the certificate; touch nothing else on the system
#     --dir DIR              where .env and docker/nginx/certs live (default: the repository root)
#     --dry-run              say what would be done, change nothing
set -euo pipefail
# shellcheck source=scripts/ops/lib.sh
. "$(dirname "$0")/ops/lib.sh"

domain="" admin_email="" cert="" key="" model="" accel="" env_only="" dry_run="" install_driver=""
extension_ids=()
dir="$CWN_ROOT"
while [ $# -gt 0 ]; do
  case "$1" in
    --domain) domain="$2"; shift 2 ;;
    --admin-email) admin_email="$2"; shift 2 ;;
    --cert) cert="$2"; shift 2 ;;
    --key) key="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    --cpu) accel=cpu; shift ;;
    --gpu) accel=gpu; shift ;;
    --extension-id) extension_ids+=("$2"); shift 2 ;;
    --install-driver) install_driver=1; shift ;;
    --env-only) env_only=1; shift ;;
    --dir) dir="$2"; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) sed -n '2,22p' "$0"; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
if [ -n "$cert" ] || [ -n "$key" ]; then
  if [ ! -f "$cert" ] || [ ! -f "$key" ]; then die "--cert and --key must both name existing files"; fi
fi
for id in "${extension_ids[@]}"; do
  [[ "$id" =~ ^[a-p]{32}$ ]] || die "--extension-id $id is not a Chrome extension id (32 letters a-p)"
done
mkdir_p() { if [ -n "$dry_run" ]; then [ -d "$1" ] || echo "would create $1"; else mkdir -p "$1"; fi; }
dir="$(cd "$dir" && pwd)"
CWN_ENV_FILE="$dir/.env"
cert_dir="$dir/docker/nginx/certs"

# Commands that change the system go through `run`, which only prints them in --dry-run.
run() {
  if [ -n "$dry_run" ]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# ---- pure parts: secrets, .env, certificate ----

rand_hex() { openssl rand -hex "$1"; }
base64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

# A Web Push (VAPID) key pair from OpenSSL alone (no internet, no npm): P-256, the private key as
# the raw 32-byte scalar and the public key as the 65-byte uncompressed point, both base64url.
vapid_keys() {
  local pem
  pem="$(openssl ecparam -name prime256v1 -genkey -noout)"
  # SEC1 DER: 7 header bytes, then the 32-byte private scalar
  VAPID_PRIVATE="$(printf '%s\n' "$pem" | openssl ec -outform DER 2>/dev/null | tail -c +8 | head -c 32 | base64url)"
  # SubjectPublicKeyInfo DER ends with the 65-byte point
  VAPID_PUBLIC="$(printf '%s\n' "$pem" | openssl ec -pubout -outform DER 2>/dev/null | tail -c 65 | base64url)"
}

default_domain() {
  local fqdn
  fqdn="$(hostname -f 2>/dev/null || true)"
  if [[ "$fqdn" == *.* ]]; then echo "$fqdn"; else hostname -I 2>/dev/null | awk '{print $1}'; fi
}

is_ip() { [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; }

# env_default FILE KEY VALUE: append KEY when the file lacks it (an existing value always wins).
env_default() {
  env_has "$1" "$2" || printf '%s=%s\n' "$2" "$3" >>"$1"
}
# env_secret FILE KEY VALUE: like env_default, and also when KEY is present but empty.
env_secret() {
  [ -n "$(env_get "$1" "$2")" ] || env_set "$1" "$2" "$3"
}
# env_set FILE KEY VALUE: set KEY to VALUE (used for what the operator asked for explicitly).
env_set() {
  if env_has "$1" "$2"; then
    [ "$(env_get "$1" "$2")" = "$3" ] && return 0
    local tmp="$1.tmp"
    awk -v k="$2" -v v="$3" 'index($0, k "=") == 1 { print k "=" v; next } { print }' "$1" >"$tmp"
    cat "$tmp" >"$1" && rm -f "$tmp"
  else
    printf '%s=%s\n' "$2" "$3" >>"$1"
  fi
}

ensure_env() {
  local new draft created=""
  draft="$(mktemp)"
  if [ -f "$CWN_ENV_FILE" ]; then
    cp "$CWN_ENV_FILE" "$draft"
  else
    created=1
    cat >"$draft" <<'HEADER'
# Production settings of this installation, written by scripts/install-server.sh.
# Secrets: keep this file private (mode 600) and in your backups (backup.sh includes it).
# Without MASTER_KEY the stored audio cannot be decrypted. See docs/OPERATIONS.md before changing it.
HEADER
  fi

  local host="${domain:-$(env_get "$draft" PUBLIC_HOST)}"
  [ -n "$host" ] || host="$(default_domain)"
  [ -n "$host" ] || die "cannot tell this machine's name or IP: give --domain"
  local variant="${accel:-$(env_get "$draft" COMPOSE_PROFILES)}"
  if [ -z "$variant" ]; then
    if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then variant=gpu; else variant=cpu; fi
  fi
  local default_model=large-v3-turbo
  [ "$variant" = cpu ] && default_model=base-q5_1
  local email="${admin_email:-admin@$host}"
  is_ip "$host" && [ -z "$admin_email" ] && email="admin@cwn.local"

  env_default "$draft" COMPOSE_PROJECT_NAME cwn
  env_default "$draft" COMPOSE_PROFILES "$variant"
  [ -n "$accel" ] && env_set "$draft" COMPOSE_PROFILES "$accel"
  env_default "$draft" PUBLIC_HOST "$host"
  [ -n "$domain" ] && env_set "$draft" PUBLIC_HOST "$domain"
  env_default "$draft" HTTP_PORT 80
  env_default "$draft" HTTPS_PORT 443
  local https_port public_url
  https_port="$(env_get "$draft" HTTPS_PORT)"
  public_url="https://$(env_get "$draft" PUBLIC_HOST)"
  [ "$https_port" = 443 ] || public_url="$public_url:$https_port"
  env_default "$draft" PUBLIC_URL "$public_url"
  [ -n "$domain" ] && env_set "$draft" PUBLIC_URL "$public_url"
  env_default "$draft" WHISPER_MODEL "$default_model"
  [ -n "$model" ] && env_set "$draft" WHISPER_MODEL "$model"
  env_default "$draft" WORKER_CONCURRENCY 1
  env_default "$draft" ADMIN_EMAIL "$email"
  [ -n "$admin_email" ] && env_set "$draft" ADMIN_EMAIL "$admin_email"
  env_secret "$draft" ADMIN_PASSWORD "$(openssl rand -base64 18 | tr '+/' '-_')"
  local ids=""
  [ ${#extension_ids[@]} -gt 0 ] && ids="$(IFS=,; echo "${extension_ids[*]}")"
  env_default "$draft" EXTENSION_IDS "$ids"
  [ -n "$ids" ] && env_set "$draft" EXTENSION_IDS "$ids"
  # an emptied key is not replaced silently: the data it protects would be lost with it
  for k in POSTGRES_PASSWORD MASTER_KEY; do
    if env_has "$draft" "$k" && [ -z "$(env_get "$draft" "$k")" ]; then
      rm -f "$draft"
      die "$k is empty in $CWN_ENV_FILE: put back its value (a backup archive's env file has it), or delete the line to generate a new one ($([ "$k" = MASTER_KEY ] && echo 'stored recordings then cannot be decrypted' || echo 'only on a fresh database volume'))"
    fi
  done
  env_default "$draft" POSTGRES_PASSWORD "$(rand_hex 24)"
  env_secret "$draft" JWT_SECRET "$(openssl rand -base64 48)"
  env_default "$draft" MASTER_KEY "$(openssl rand -base64 32)"
  env_default "$draft" MASTER_KEYS_PREVIOUS ""
  env_secret "$draft" WORKER_TOKEN "$(rand_hex 32)"
  if [ -z "$(env_get "$draft" VAPID_PUBLIC_KEY)" ] || [ -z "$(env_get "$draft" VAPID_PRIVATE_KEY)" ]; then
    vapid_keys
    env_set "$draft" VAPID_PUBLIC_KEY "$VAPID_PUBLIC"
    env_set "$draft" VAPID_PRIVATE_KEY "$VAPID_PRIVATE"
  fi
  env_default "$draft" VAPID_SUBJECT "mailto:$(env_get "$draft" ADMIN_EMAIL)"

  if [ -f "$CWN_ENV_FILE" ] && cmp -s "$draft" "$CWN_ENV_FILE"; then
    log ".env is complete: nothing changed"
    rm -f "$draft"
  elif [ -n "$dry_run" ]; then
    new="$(diff <(env_keys "$CWN_ENV_FILE") <(env_keys "$draft") | sed -n 's/^> //p' | tr '\n' ' ' || true)"
    echo "would write $CWN_ENV_FILE (new keys: ${new:-none; changed values})"
    # the later steps of the dry run read the settings this run would have written
    DRY_RUN_ENV="$draft"
    CWN_ENV_FILE="$draft"
  else
    (umask 077 && cat "$draft" >"$CWN_ENV_FILE.new")
    mv "$CWN_ENV_FILE.new" "$CWN_ENV_FILE"
    rm -f "$draft"
    log "wrote $CWN_ENV_FILE"
  fi
  chmod_env
  ENV_CREATED="$created"
}
env_keys() { [ ! -f "$1" ] || sed -n 's/^\([A-Z0-9_]*\)=.*/\1/p' "$1"; }
chmod_env() { [ -n "$dry_run" ] || [ ! -f "$CWN_ENV_FILE" ] || chmod 600 "$CWN_ENV_FILE"; }

cert_matches_key() {
  [ "$(openssl x509 -noout -pubkey -in "$1" 2>/dev/null)" = "$(openssl pkey -pubout -in "$2" 2>/dev/null)" ]
}

# nginx runs as uid 101 with the supplementary group 0 (docker-compose.yml `group_add`): the key is
# root-owned, group-readable (640), and readable by nobody else on the host.
key_readable_by_nginx() {
  [ "$(stat -c %a "$1")" = 640 ] && return 0
  if [ -n "$dry_run" ]; then echo "would chmod 640 $1"; else chmod 640 "$1"; fi
}

CERT_CHANGED=""
ensure_cert() {
  local crt="$cert_dir/fullchain.pem" pkey="$cert_dir/privkey.pem" host
  host="$(env_get "$CWN_ENV_FILE" PUBLIC_HOST)"
  [ -n "$host" ] || host="${domain:-$(default_domain)}"
  mkdir_p "$cert_dir"
  if [ -n "$cert" ]; then
    cert_matches_key "$cert" "$key" || die "$cert and $key do not belong together"
    if cmp -s "$cert" "$crt" && cmp -s "$key" "$pkey"; then
      log "TLS certificate already installed"
      return 0
    fi
    run install -m 644 "$cert" "$crt"
    run install -m 640 "$key" "$pkey"
    [ -n "$dry_run" ] || rm -f "$cert_dir/.self-signed"
    CERT_CHANGED=1
    return 0
  fi
  if [ -f "$crt" ] && [ -f "$pkey" ] && cert_matches_key "$crt" "$pkey"; then
    key_readable_by_nginx "$pkey"
    # a given certificate is never replaced; our self-signed one only when it expires or the name changed
    if [ ! -f "$cert_dir/.self-signed" ]; then
      log "keeping the installed TLS certificate"
      return 0
    fi
    if openssl x509 -noout -checkend 2592000 -in "$crt" >/dev/null &&
      [ "$(cat "$cert_dir/.self-signed")" = "$host" ]; then
      log "self-signed TLS certificate for $host is valid"
      return 0
    fi
  fi
  local san="DNS:$host"
  is_ip "$host" && san="IP:$host"
  if [ -n "$dry_run" ]; then
    echo "would create a self-signed certificate for $host in $cert_dir"
    return 0
  fi
  (
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 825 \
      -subj "/CN=$host" -addext "subjectAltName=$san" \
      -keyout "$pkey.new" -out "$crt.new" 2>/dev/null
  )
  chmod 644 "$crt.new"
  chmod 640 "$pkey.new"
  mv "$pkey.new" "$pkey"
  mv "$crt.new" "$crt"
  echo "$host" >"$cert_dir/.self-signed"
  CERT_CHANGED=1
  log "created a self-signed TLS certificate for $host (valid 825 days)"
}

# ---- system parts: OS, GPU, Docker, NVIDIA Container Toolkit ----

check_os() {
  # shellcheck disable=SC1091
  . /etc/os-release
  if [ "${ID:-}" != ubuntu ] || [ "${VERSION_ID:-}" != 24.04 ]; then
    warn "made for Ubuntu 24.04; this is ${PRETTY_NAME:-unknown}: continuing"
  fi
}

resolve_accel() {
  [ -n "$accel" ] || accel="$(env_get "$CWN_ENV_FILE" COMPOSE_PROFILES)"
  if [ "$accel" = cpu ]; then
    log "worker variant: CPU (no GPU used)"
    return 0
  fi
  if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
    log "GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
    accel=gpu
    return 0
  fi
  if command -v lspci >/dev/null && lspci | grep -qi 'vga.*nvidia\|3d.*nvidia'; then
    if [ -n "$install_driver" ]; then
      run apt-get update
      run apt-get install -y ubuntu-drivers-common
      run ubuntu-drivers install
      echo "The NVIDIA driver is installed: reboot, then run this script again."
      exit 0
    fi
    die "an NVIDIA GPU is present but its driver is not working (nvidia-smi fails): run again with --install-driver, reboot, and run again"
  fi
  die "no NVIDIA GPU found: run with --cpu for the CPU worker (slow: see worker-gpu/README.md)"
}

ensure_docker() {
  if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    log "Docker $(docker version --format '{{.Server.Version}}') with Compose is installed"
    return 0
  fi
  log "installing Docker Engine and the Compose plugin from Docker's apt repository"
  # shellcheck disable=SC1091
  local codename arch distro
  codename="$(. /etc/os-release && echo "${UBUNTU_CODENAME:-$VERSION_CODENAME}")"
  distro="$(. /etc/os-release && echo "$ID")"
  arch="$(dpkg --print-architecture)"
  run apt-get update
  run apt-get install -y ca-certificates curl gnupg
  run install -m 0755 -d /etc/apt/keyrings
  run curl -fsSL "https://download.docker.com/linux/$distro/gpg" -o /etc/apt/keyrings/docker.asc
  run chmod a+r /etc/apt/keyrings/docker.asc
  local line="deb [arch=$arch signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/$distro $codename stable"
  if [ -n "$dry_run" ]; then echo "would write /etc/apt/sources.list.d/docker.list: $line"; else echo "$line" >/etc/apt/sources.list.d/docker.list; fi
  run apt-get update
  run apt-get install -y docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
  run systemctl enable --now docker
}

ensure_nvidia_toolkit() {
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia; then
    log "NVIDIA Container Toolkit is configured in Docker"
    return 0
  fi
  log "installing the NVIDIA Container Toolkit"
  local keyring=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg
  if [ -n "$dry_run" ]; then
    echo "would add NVIDIA's apt repository (nvidia.github.io/libnvidia-container) with key $keyring"
  else
    curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o "$keyring"
    curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list |
      sed "s#deb https://#deb [signed-by=$keyring] https://#g" >/etc/apt/sources.list.d/nvidia-container-toolkit.list
  fi
  run apt-get update
  run apt-get install -y nvidia-container-toolkit
  run nvidia-ctk runtime configure --runtime=docker
  run systemctl restart docker
}

# ---- the stack ----

start_stack() {
  local worker
  worker="$(worker_service)"
  log "building the images (cached layers make a re-run quick)"
  run compose build
  log "Whisper model $(env_get "$CWN_ENV_FILE" WHISPER_MODEL) into the whisper_models volume (skipped when present)"
  run compose run --rm --no-deps -T "$worker" \
    node worker-gpu/dist/models/download-cli.js "$(env_get "$CWN_ENV_FILE" WHISPER_MODEL)" --dir /models
  log "starting the stack"
  if compose_can_wait; then run compose up -d --wait; else run compose up -d; fi
  if [ -n "$CERT_CHANGED" ]; then run compose restart nginx; fi
}

print_summary() {
  local url email env_path="$CWN_ENV_FILE"
  url="$(env_get "$CWN_ENV_FILE" PUBLIC_URL)"
  email="$(env_get "$CWN_ENV_FILE" ADMIN_EMAIL)"
  cat <<SUMMARY

  3cx-whisper-ninjaone is ${1:-ready}.

    Managers' app (PWA)   $url/
    TV wallboard          $url/tv
    Administration        $url/admin
    Extension server URL  $url          (docs/EXTENSION.md)

SUMMARY
  [ -z "$dry_run" ] || env_path="$dir/.env"
  if [ -n "${ENV_CREATED:-}" ] && [ -z "$dry_run" ]; then
    echo "    First admin login     $email / $(env_get "$CWN_ENV_FILE" ADMIN_PASSWORD)"
    echo "                          (change the password after the first login)"
  else
    echo "    First admin login     $email (password: ADMIN_PASSWORD in $env_path)"
  fi
  if [ -f "$cert_dir/.self-signed" ]; then
    echo
    echo "    The TLS certificate is self-signed: browsers warn until you install a real one"
    echo "    (scripts/install-server.sh --cert fullchain.pem --key privkey.pem)."
  fi
  echo
}

DRY_RUN_ENV=""
trap '[ -z "$DRY_RUN_ENV" ] || rm -f "$DRY_RUN_ENV"' EXIT
check_os
if [ -n "$env_only" ]; then
  ensure_env
  ensure_cert
  print_summary "configured (.env and certificate only)"
  exit 0
fi
[ "$(id -u)" = 0 ] || [ -n "$dry_run" ] || die "run as root: sudo $0 $*"
[ -f "$CWN_ROOT/docker-compose.yml" ] || die "run from a checkout of the repository (docker-compose.yml not found)"
resolve_accel
ensure_docker
[ "$accel" = gpu ] && ensure_nvidia_toolkit
ensure_env
ensure_cert
start_stack
if [ -n "$dry_run" ]; then print_summary "not changed (dry run)"; else print_summary; fi
