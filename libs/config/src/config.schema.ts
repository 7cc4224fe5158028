import {
  bool,
  int,
  list,
  mapOf,
  oneOfStrings,
  record,
  section,
  str,
  type Field,
  type ObjectOf,
  type TypeOf,
} from './schema-builder';

/*
 * The single source of truth for the config file: keys, types, defaults, validation, the
 * environment variables that override them and the generated reference page. Key names and
 * defaults follow Nekzus (contract B §5.2, §1.1, §1.2) so an existing config file keeps working;
 * our additions are marked "(Not in Nekzus)" in their description.
 */

const DURATION = 'duration';
const HOST_PORT = 'host-port';
const IP_OR_CIDR = 'ip-or-cidr';
const HTTP_URL = 'http-url';
const ABSOLUTE_PATH = 'absolute-path';
const METRICS_PATH = 'metrics-path';

/** Human wording for each custom format, used in validation messages and the reference page. */
export const FORMAT_DESCRIPTIONS: Readonly<Record<string, string>> = {
  [DURATION]: 'a duration such as 30s, 5m or 1h30m',
  [HOST_PORT]: 'host:port with a port from 0 to 65535, such as ":8443" or "0.0.0.0:8080"',
  [IP_OR_CIDR]: 'an IP address or CIDR range, such as 10.0.0.0/8',
  [HTTP_URL]: 'an http:// or https:// URL',
  [ABSOLUTE_PATH]: 'a path starting with "/"',
  [METRICS_PATH]: 'a path starting with "/" that is not under /api/',
};

function duration(description: string): Field<string, false>;
function duration(description: string, fallback: string): Field<string, true>;
function duration(description: string, fallback?: string): Field<string, boolean> {
  return fallback === undefined
    ? str({ description, format: DURATION })
    : str({ description, format: DURATION, default: fallback });
}

const stringList = (description: string) =>
  list(str({ description }), { description, default: [] });

const server = section(
  { description: 'Listener, public address and TLS of the gateway.' },
  {
    addr: str({
      description:
        'Address the gateway listens on, as host:port; an empty host means every interface. (Nekzus defaults to :8443; this gateway starts on plain HTTP :8080 until TLS is configured.)',
      format: HOST_PORT,
      default: ':8080',
      'x-env': 'NEKZUS_ADDR',
      'x-restart': true,
    }),
    base_url: str({
      description:
        'Public URL of the gateway used in pairing QR codes and links. Detected from the first private IPv4 address when empty.',
      default: '',
      'x-env': 'NEKZUS_BASE_URL',
      'x-restart': true,
    }),
    http_redirect_addr: str({
      description:
        'Address of a plain-HTTP listener that redirects to HTTPS (accepted, not used by Nekzus).',
      default: '',
      'x-restart': true,
    }),
    tls: oneOfStrings(['auto', 'off'], {
      description:
        '(Not in Nekzus) "auto" serves HTTPS with tls_cert/tls_key when set, otherwise with a self-signed certificate kept in the data directory; "off" serves plain HTTP even when certificate files are set. When absent, HTTPS is used only if both certificate files are set.',
      'x-restart': true,
    }),
    tls_cert: str({
      description: 'PEM certificate file for HTTPS; set together with tls_key.',
      default: '',
      'x-env': 'NEKZUS_TLS_CERT',
      'x-restart': true,
    }),
    tls_key: str({
      description: 'PEM private key file for HTTPS; set together with tls_cert.',
      default: '',
      'x-env': 'NEKZUS_TLS_KEY',
      'x-restart': true,
    }),
    routing_mode: oneOfStrings(['', 'path', 'subdomain', 'both'], {
      description: 'Default routing mode of routes that do not set one; empty means "path".',
      default: '',
      'x-restart': true,
    }),
    base_domain: str({
      description:
        'DNS domain for subdomain routing: a route with subdomain "media" answers on media.<base_domain>. Empty turns subdomain routing off.',
      default: '',
      'x-restart': true,
    }),
    allowed_origins: list(
      str({ description: 'An origin, such as https://home.example.org.', format: HTTP_URL }),
      {
        description:
          "(Not in Nekzus) Web pages from these origins may open the WebSocket at /api/v1/ws; the gateway's own origin always may, other sites never (Nekzus accepts any origin).",
        default: [],
      },
    ),
    trusted_proxies: list(str({ description: 'IP address or CIDR range.', format: IP_OR_CIDR }), {
      description:
        '(Not in Nekzus) Reverse proxies whose X-Forwarded-For / X-Real-IP headers are believed; requests from anyone else are judged by their socket address.',
      default: [],
    }),
  },
);

const auth = section(
  { description: 'Token issuing and checking.' },
  {
    issuer: str({
      description: 'The "iss" claim of issued tokens.',
      default: 'nekzus',
      'x-restart': true,
    }),
    audience: str({
      description: 'The "aud" claim of issued tokens.',
      default: 'nekzus-mobile',
      'x-restart': true,
    }),
    hs256_secret: str({
      description:
        'HMAC secret signing the tokens, at least 32 characters. Generated once and kept in the database when not set.',
      minLength: 32,
      'x-env': 'NEKZUS_JWT_SECRET',
      'x-restart': true,
      'x-secret': true,
    }),
    default_scopes: stringList('Scopes required by routes that name none and are not public.'),
    local_network_trust: oneOfStrings(['loopback', 'lan', 'off'], {
      description:
        '(Not in Nekzus) Which callers need no credentials and act as an administrator: "loopback" (this machine only), "lan" (loopback plus the ranges in local_networks, as Nekzus does) or "off" (everyone must authenticate, loopback included). The address is the socket peer, or the forwarded client address when the peer is a trusted proxy.',
      default: 'loopback',
      'x-env': 'NEKZUS_LOCAL_NETWORK_TRUST',
    }),
    local_networks: list(str({ description: 'IP address or CIDR range.', format: IP_OR_CIDR }), {
      description:
        '(Not in Nekzus) The ranges local_network_trust "lan" trusts; loopback is always included.',
      default: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    }),
    session_ttl: duration(
      '(Not in Nekzus) How long an administrator sign-in lasts before signing in again.',
      '12h',
    ),
  },
);

const rateLimit = (description: string, perMinute: number, burst: number) =>
  section(
    { description },
    {
      per_minute: int({
        description: 'Requests refilled per minute; 0 turns this limit off.',
        minimum: 0,
        default: perMinute,
      }),
      burst: int({ description: 'Requests allowed at once.', minimum: 1, default: burst }),
    },
  );

const rate_limits = section(
  {
    description:
      '(Not in Nekzus) Token buckets per category, each kept per client address and per signed-in identity. The proxy has none unless a route sets one.',
  },
  {
    auth: rateLimit('Sign-in, setup, token pairing and refresh.', 10, 10),
    pairing: rateLimit('Redeeming pairing codes (POST /api/v1/pair).', 10, 5),
    qr: rateLimit('Issuing pairing codes and the /pair page.', 60, 3),
    devices: rateLimit('Device endpoints.', 30, 30),
    api: rateLimit('Every other /api/v1 endpoint.', 600, 100),
    websocket: rateLimit('Opening the WebSocket at /api/v1/ws.', 10, 10),
  },
);

const bootstrap = section(
  { description: 'Permanent bootstrap tokens that let a device pair without a QR code.' },
  {
    tokens: list(str({ description: 'A bootstrap token.', 'x-secret': true }), {
      description: 'Bootstrap tokens accepted for pairing; the environment variable adds one more.',
      default: [],
      'x-env': 'NEKZUS_BOOTSTRAP_TOKEN',
      'x-secret': true,
    }),
  },
);

const webhooks = section(
  { description: '(Not in Nekzus) Outbound webhooks: events delivered to subscribed URLs.' },
  {
    allow_private_targets: bool({
      description:
        'Let subscriptions that ask for it (allowPrivateTarget) deliver to loopback, private and link-local addresses. Off, such targets are refused to keep the gateway from being used against its own network.',
      default: false,
      'x-env': 'NEKZUS_WEBHOOKS_ALLOW_PRIVATE_TARGETS',
    }),
  },
);

const storage = section(
  { description: 'Where the gateway keeps its state.' },
  {
    data_dir: str({
      description: '(Not in Nekzus) Directory holding the event store and generated files.',
      default: './data',
      'x-env': 'NEKZUS_DATA_DIR',
      'x-restart': true,
    }),
    database_path: str({
      description: 'SQLite database file; its parent directory is created.',
      default: './data/nexus.db',
      'x-env': 'NEKZUS_DATABASE_PATH',
      'x-restart': true,
    }),
    event_store: oneOfStrings(['sqlite', 'kurrentdb'], {
      description:
        '(Not in Nekzus) Where the event log lives: "sqlite", a file (storage.events_path) that several replicas on one host may share; "kurrentdb", a KurrentDB cluster (storage.kurrentdb.connection_string) shared by replicas on any host.',
      default: 'sqlite',
      'x-env': 'NEKZUS_EVENT_STORE',
      'x-restart': true,
    }),
    events_path: str({
      description:
        '(Not in Nekzus) The SQLite event log file. Empty: events.db in storage.data_dir. Replicas sharing one log point this at the same file.',
      default: '',
      'x-env': 'NEKZUS_EVENTS_PATH',
      'x-restart': true,
    }),
    read_models_path: str({
      description:
        '(Not in Nekzus) The SQLite file of the read models (rebuildable from the log). Empty: read-models.db in storage.data_dir. Every replica needs its own.',
      default: '',
      'x-env': 'NEKZUS_READ_MODELS_PATH',
      'x-restart': true,
    }),
    kurrentdb: section(
      {
        description:
          '(Not in Nekzus) The KurrentDB cluster, when storage.event_store is "kurrentdb".',
      },
      {
        connection_string: str({
          description:
            'A kurrentdb:// (or kurrentdb+discover://) connection string, e.g. "kurrentdb+discover://admin:changeit@node1:2113,node2:2113,node3:2113?tls=true".',
          default: '',
          'x-env': 'NEKZUS_KURRENTDB_URL',
          'x-restart': true,
          'x-secret': true,
        }),
      },
    ),
  },
);

const notifications = section(
  { description: 'Delivery of notifications to paired devices.', 'x-restart': true },
  {
    enabled: bool({
      description: 'Deliver queued notifications to devices.',
      default: false,
      'x-env': 'NEKZUS_NOTIFICATIONS_ENABLED',
    }),
    ack_timeout: duration('How long a device has to acknowledge a notification.', '30s'),
    queue: section(
      { description: 'The delivery queue.' },
      {
        worker_count: int({ description: 'Parallel delivery workers.', minimum: 1, default: 4 }),
        buffer_size: int({
          description: 'Notifications held in memory before spilling to storage.',
          minimum: 1,
          default: 1000,
        }),
        retry_interval: duration('Pause between delivery retries.', '5m'),
        max_retries: int({
          description: 'Accepted for compatibility; Nekzus does not use it.',
          minimum: 0,
        }),
      },
    ),
    offline_detection: section(
      { description: 'Accepted for compatibility; Nekzus does not use it.' },
      {
        enabled: bool({ description: 'Accepted for compatibility; not used.' }),
        threshold: duration('Accepted for compatibility; not used.'),
        check_interval: duration('Accepted for compatibility; not used.'),
      },
    ),
  },
);

const discovery = section(
  { description: 'Finding services on the network and proposing routes for them.' },
  {
    enabled: bool({
      description: 'Run discovery at all.',
      default: false,
      'x-env': 'NEKZUS_DISCOVERY_ENABLED',
    }),
    docker: section(
      { description: 'Discovery of Docker containers.' },
      {
        enabled: bool({
          description: 'Watch the Docker engine; also enables container management.',
          default: false,
          'x-env': 'NEKZUS_DISCOVERY_DOCKER_ENABLED',
        }),
        mode: oneOfStrings(['opt-out', 'opt-in'], {
          description:
            '(Not in Nekzus) "opt-out" proposes every container unless it is labelled nekzus.enable=false; "opt-in" proposes only containers labelled nekzus.enable=true.',
          default: 'opt-out',
        }),
        socket_path: str({
          description: 'Docker engine endpoint.',
          default: 'unix:///var/run/docker.sock',
        }),
        poll_interval: duration('How often containers are listed.', '30s'),
        network_mode: oneOfStrings(['all', 'first', 'preferred'], {
          description:
            'Which container network addresses are proposed: all of them, the first one, or those of the networks listed in "networks".',
          default: 'all',
        }),
        networks: stringList(
          'Preferred Docker networks; required when network_mode is "preferred".',
        ),
        exclude_networks: stringList('Docker networks never used for proposals.'),
      },
    ),
    kubernetes: section(
      { description: 'Discovery of Kubernetes services and ingresses.' },
      {
        enabled: bool({
          description: 'Watch the Kubernetes API; also enables Kubernetes workload management.',
          default: false,
        }),
        kubeconfig: str({
          description:
            'kubeconfig file; empty means the in-cluster service account when one is mounted, else ~/.kube/config.',
          default: '',
        }),
        namespaces: stringList('Namespaces to watch; empty means all.'),
        poll_interval: duration('How often the API is listed.', '30s'),
      },
    ),
    mdns: section(
      { description: 'Discovery of mDNS / DNS-SD services.' },
      {
        enabled: bool({ description: 'Browse for mDNS services.', default: false }),
        services: list(str({ description: 'A DNS-SD service type.' }), {
          description: 'DNS-SD service types to browse for.',
          default: [
            '_http._tcp',
            '_https._tcp',
            '_ssh._tcp',
            '_smb._tcp',
            '_printer._tcp',
            '_workstation._tcp',
          ],
        }),
        scan_interval: duration('How often the network is browsed.', '60s'),
        interface: str({
          description:
            '(Not in Nekzus) The one interface mDNS uses, as an IPv4 address or an interface name; empty means all.',
          default: '',
        }),
      },
    ),
  },
);

const healthCheckOverride = record(
  { description: 'Health-check settings of one app.' },
  {
    path: str({ description: 'Path probed for this app.', format: ABSOLUTE_PATH }),
    interval: duration('Probe interval for this app.'),
    timeout: duration('Probe timeout for this app.'),
  },
  [],
);

const health_checks = section(
  { description: 'Periodic probing of upstream apps.' },
  {
    enabled: bool({ description: 'Probe the apps behind routes.', default: true }),
    interval: duration('Time between two probe rounds.', '10s'),
    timeout: duration('Time a probe may take.', '5s'),
    unhealthy_threshold: int({
      description: 'Consecutive failures before an app is marked unhealthy.',
      minimum: 1,
      default: 2,
    }),
    path: str({
      description: 'Path probed when a route names none.',
      format: ABSOLUTE_PATH,
      default: '/',
    }),
    per_service: mapOf(healthCheckOverride, {
      description: 'Overrides keyed by app id.',
      default: {},
    }),
  },
);

const metrics = section(
  { description: 'Prometheus metrics endpoint.' },
  {
    enabled: bool({
      description: 'Serve metrics.',
      default: true,
      'x-env': 'NEKZUS_METRICS_ENABLED',
    }),
    path: str({
      description: 'Path of the metrics endpoint.',
      format: METRICS_PATH,
      default: '/metrics',
      'x-restart': true,
    }),
    require_auth: bool({
      description:
        '(Not in Nekzus) Scrapers must authenticate: an administrator, or a token or API key with the scope read:metrics (Prometheus: bearer_token / authorization). Local-network trust still applies.',
      default: false,
      'x-env': 'NEKZUS_METRICS_REQUIRE_AUTH',
    }),
  },
);

const proxy = section(
  {
    description:
      '(Not in Nekzus) The data plane at /apps/<id>/ and on app hosts. Timeouts are idle timeouts, never a deadline for a whole download or event stream.',
  },
  {
    connect_timeout: str({
      description: 'Longest wait for a TCP (and TLS) connection to an upstream.',
      format: DURATION,
      default: '10s',
      'x-restart': true,
    }),
    response_timeout: str({
      description:
        "Longest wait from sending a request to the upstream's response headers (504 after it).",
      format: DURATION,
      default: '60s',
      'x-restart': true,
    }),
    idle_timeout: str({
      description:
        'Longest silence between two chunks of a response body; the connection is cut after it.',
      format: DURATION,
      default: '5m',
      'x-restart': true,
    }),
    upgrade_timeout: str({
      description: "Longest wait for an upstream's answer to a WebSocket upgrade.",
      format: DURATION,
      default: '10s',
      'x-restart': true,
    }),
    upstream_client: oneOfStrings(['llhttp', 'undici'], {
      description:
        'How the proxy talks HTTP to upstreams: "llhttp" (sockets parsed by node:http\'s own parser; about a quarter less CPU per request) or "undici". llhttp falls back to undici on a Node release that does not expose its parser. WebSocket tunnels are not affected.',
      default: 'llhttp',
      'x-env': 'NEKZUS_PROXY_UPSTREAM_CLIENT',
      'x-restart': true,
    }),
    max_request_body_bytes: int({
      description:
        "Request bodies above this answer 413 unless a route sets its own max_body_bytes; 0 means no limit (Nekzus's behaviour).",
      minimum: 0,
      maximum: 2 ** 40,
      default: 0,
      'x-env': 'NEKZUS_PROXY_MAX_REQUEST_BODY_BYTES',
    }),
  },
);

const graphql = section(
  { description: '(Not in Nekzus) The GraphQL API at /graphql (HTTP and graphql-ws).' },
  {
    introspection: bool({
      description:
        'Answer introspection (__schema, __type) in production mode too. Outside production (ENVIRONMENT=development, dev or test) it is always answered.',
      default: false,
      'x-env': 'NEKZUS_GRAPHQL_INTROSPECTION',
      'x-restart': true,
    }),
    max_depth: int({
      description:
        'Deepest nesting of fields an operation may have; deeper ones are refused with QUERY_TOO_DEEP.',
      minimum: 1,
      default: 12,
      'x-restart': true,
    }),
    max_cost: int({
      description:
        'Highest cost an operation may have (one per field, times `first` of a page, times 10 for a list without one); costlier ones are refused with QUERY_TOO_COMPLEX.',
      minimum: 1,
      default: 20000,
      'x-restart': true,
    }),
  },
);

const backup = section(
  { description: 'Scheduled JSON snapshots of the database.', 'x-restart': true },
  {
    enabled: bool({ description: 'Take scheduled backups.', default: false }),
    directory: str({ description: 'Directory receiving the backups; required when enabled.' }),
    schedule: duration('Time between two backups.', '24h'),
    retention: int({
      description: 'Backups kept; older ones are deleted.',
      minimum: 1,
      default: 7,
    }),
  },
);

const toolbox = section(
  { description: 'Catalogue of one-click deployable services.', 'x-restart': true },
  {
    enabled: bool({
      description: 'Offer the toolbox.',
      default: false,
      'x-env': 'NEKZUS_TOOLBOX_ENABLED',
    }),
    catalog_dir: str({
      description: 'Directory with one sub-directory per catalogue service.',
      default: './toolbox',
    }),
    catalog_path: str({ description: 'Deprecated single-file YAML catalogue.', default: '' }),
    data_dir: str({
      description: 'Where deployed services keep their data.',
      default: './data/toolbox',
    }),
    host_data_dir: str({
      description:
        'data_dir as seen by the Docker host when the gateway runs in a container; empty means data_dir.',
      default: '',
      'x-env': 'NEKZUS_TOOLBOX_HOST_DATA_DIR',
    }),
    auto_route: bool({
      description:
        "Approve a deployed service's discovery proposal automatically (actor system:toolbox); off, it waits for an administrator. Needs Docker discovery. (Nekzus accepts the key but does not use it.)",
      default: false,
    }),
    auto_start: bool({
      description:
        'Accepted for compatibility; Nekzus does not use it. A deploy request without auto_start deploys at once.',
      default: false,
    }),
    bind_address: str({
      description:
        "(Not in Nekzus) Host address that published ports of deployed services bind to when the template gives none; empty means every interface. A template's own address (e.g. 127.0.0.1:8080:80) is kept.",
      default: '',
    }),
    deploy_timeout: duration(
      '(Not in Nekzus) How long a deployment may take (pulling images, starting, healthchecks) before it fails and is cleaned up.',
      '10m',
    ),
  },
);

const scripts = section(
  { description: 'Operator scripts that can be run from the dashboard.', 'x-restart': true },
  {
    enabled: bool({
      description: 'Offer scripts.',
      default: false,
      'x-env': 'NEKZUS_SCRIPTS_ENABLED',
    }),
    directory: str({
      description: 'Directory holding the scripts; empty turns the feature off.',
      default: '',
    }),
    host_directory: str({
      description: 'directory as seen by the Docker host; empty means directory.',
      default: '',
      'x-env': 'NEKZUS_SCRIPTS_HOST_DIRECTORY',
    }),
    default_timeout: int({ description: 'Seconds a script may run.', minimum: 1, default: 300 }),
    max_output_bytes: int({
      description: 'Output kept per run, in bytes.',
      minimum: 1,
      default: 10485760,
    }),
  },
);

const federation = section(
  { description: 'Sharing apps between several gateways.', 'x-restart': true },
  {
    enabled: bool({ description: 'Join a federation.', default: false }),
    cluster_secret: str({
      description: 'Secret shared by the peers, at least 32 characters when federation is enabled.',
      default: '',
      'x-secret': true,
    }),
    gossip_port: int({
      description: 'UDP/TCP port of the gossip protocol.',
      minimum: 1,
      maximum: 65535,
      default: 7946,
    }),
    mdns_enabled: bool({ description: 'Find peers with mDNS.', default: false }),
    bootstrap_peers: stringList('host:port of peers to contact first.'),
    sync: section(
      { description: 'Catalogue synchronisation between peers.' },
      {
        full_sync_interval: duration('Time between full synchronisations.', '5m'),
        anti_entropy_period: duration('Time between anti-entropy rounds.', '1m'),
      },
    ),
    allow_remote_routes: bool({
      description: 'Proxy requests to apps of other peers.',
      default: false,
    }),
  },
);

const runtimes = section(
  {
    description: 'Container runtimes (validated for compatibility; Nekzus does not use them).',
    'x-restart': true,
  },
  {
    primary: oneOfStrings(['docker', 'kubernetes'], {
      description: 'The main runtime.',
      default: 'docker',
    }),
    docker: section(
      { description: 'Docker runtime.' },
      {
        enabled: bool({ description: 'Use Docker.', default: false }),
        socket_path: str({
          description: 'Docker engine endpoint.',
          default: 'unix:///var/run/docker.sock',
        }),
      },
    ),
    kubernetes: section(
      { description: 'Kubernetes runtime.' },
      {
        enabled: bool({ description: 'Use Kubernetes.', default: false }),
        kubeconfig: str({ description: 'kubeconfig file; empty means in-cluster.', default: '' }),
        context: str({
          description: 'kubeconfig context; empty means the current one.',
          default: '',
        }),
        namespaces: stringList('Namespaces to manage; empty means all.'),
        metrics_server: bool({ description: 'Read usage from metrics-server.', default: false }),
        metrics_cache_ttl: duration('How long usage figures are cached.', '30s'),
      },
    ),
  },
);

const system = section(
  { description: 'Host information.', 'x-restart': true },
  {
    host_root_path: str({
      description:
        'Where the host root file system is mounted when the gateway runs in a container.',
      default: '',
      'x-env': 'NEKZUS_HOST_ROOT_PATH',
    }),
  },
);

const route = record(
  { description: 'A route declared in the config file.' },
  {
    id: str({ description: 'Unique route id.', minLength: 1 }),
    app_id: str({ description: 'App the route belongs to.' }),
    path_base: str({
      description: 'Mount prefix; reachable when it starts with /apps/.',
      format: ABSOLUTE_PATH,
    }),
    to: str({ description: 'Upstream base URL.', format: HTTP_URL }),
    container_id: str({ description: 'Docker container the upstream runs in.' }),
    scopes: list(str({ description: 'A scope.' }), { description: 'Scopes a token must carry.' }),
    public_access: bool({
      description: 'Require no scopes (authentication still applies).',
      default: false,
    }),
    websockets: bool({ description: 'Tunnel WebSocket upgrades.', default: false }),
    strip_prefix: bool({ description: 'Remove path_base before forwarding.', default: false }),
    strip_response_cookies: bool({
      description: 'Drop every Set-Cookie of the upstream.',
      default: false,
    }),
    rewrite_cookie_paths: bool({
      description: 'Prefix cookie paths with path_base.',
      default: false,
    }),
    rewrite_html: bool({
      description: 'Rewrite links in HTML, CSS and JSON bodies.',
      default: false,
    }),
    persist_cookies: bool({
      description: 'Keep upstream session cookies for mobile clients.',
      default: false,
    }),
    routing_mode: oneOfStrings(['', 'path', 'subdomain', 'both'], {
      description: 'Path, subdomain or both; empty means server.routing_mode.',
    }),
    subdomain: str({ description: 'DNS label used with server.base_domain.' }),
    exclude_paths: list(str({ description: 'A path.' }), { description: 'Paths never rewritten.' }),
    health_check_path: str({ description: 'Path probed for this route.', format: ABSOLUTE_PATH }),
    health_check_timeout: duration('Probe timeout for this route.'),
    health_check_interval: duration('Probe interval reported for this route.'),
    expected_status_codes: list(
      int({ description: 'An HTTP status code.', minimum: 100, maximum: 599 }),
      { description: 'Status codes counted as healthy; empty means 200–299.' },
    ),
    skip_health_check: bool({ description: 'Never probe; always healthy.', default: false }),
    tls_skip_verify: bool({
      description: "Accept the upstream's certificate unchecked (self-signed LAN devices).",
      default: false,
    }),
    preserve_host: bool({
      description: "Send the client's Host header; false sends the target URL's host.",
      default: true,
    }),
    max_body_bytes: int({
      description: 'Request bodies above this answer 413; 0 means proxy.max_request_body_bytes.',
      minimum: 0,
      maximum: 2 ** 40,
      default: 0,
    }),
    rate_limit_per_minute: int({
      description: 'Requests per minute and client address; 0 means no limit.',
      minimum: 0,
      maximum: 1_000_000,
      default: 0,
    }),
    rate_limit_burst: int({
      description: 'Requests a client may make at once before the rate applies.',
      minimum: 0,
      maximum: 1_000_000,
      default: 0,
    }),
  },
  ['id', 'path_base', 'to'],
);

const app = record(
  { description: 'An app declared in the config file.' },
  {
    id: str({ description: 'Unique app id.', minLength: 1 }),
    name: str({ description: 'Display name.', minLength: 1 }),
    icon: str({ description: 'Emoji, image URL or Lucide icon name.' }),
    tags: list(str({ description: 'A tag.' }), { description: 'Free-form tags.' }),
    endpoints: mapOf(str({ description: 'An address.' }), {
      description: 'Addresses of the app by kind (lan, cluster, mdns).',
    }),
  },
  ['id', 'name'],
);

const properties = {
  server,
  auth,
  bootstrap,
  rate_limits,
  webhooks,
  storage,
  notifications,
  discovery,
  health_checks,
  metrics,
  proxy,
  graphql,
  backup,
  toolbox,
  scripts,
  federation,
  runtimes,
  system,
  routes: list(route, { description: 'Routes declared in the config file.', default: [] }),
  apps: list(app, { description: 'Apps declared in the config file.', default: [] }),
} as const;

/** JSON Schema (draft-07) of the Nekzus config file. */
export const configSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://nekzus.local/schemas/config.json',
  title: 'Nekzus configuration',
  description: 'The YAML (or JSON) file the gateway reads at start and on reload.',
  type: 'object',
  properties,
  additionalProperties: false,
} as const;

/** The whole config after defaults are applied. */
export type NekzusConfig = ObjectOf<typeof properties>;
export type RouteConfig = TypeOf<typeof route>;
export type AppConfig = TypeOf<typeof app>;
export type ServerConfig = NekzusConfig['server'];
export type AuthConfig = NekzusConfig['auth'];
export type DiscoveryConfig = NekzusConfig['discovery'];
