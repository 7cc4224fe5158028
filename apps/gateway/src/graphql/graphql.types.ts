import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { Type } from '@nestjs/common';

/*
 * The GraphQL shapes of the REST views: the same fields under the same (Nekzus) names, so a
 * client can move between the two APIs without a translation table.
 */

export enum RouteStatus {
  ACTIVE = 'ACTIVE',
  UNHEALTHY = 'UNHEALTHY',
  UNKNOWN = 'UNKNOWN',
}
registerEnumType(RouteStatus, { name: 'RouteStatus' });

export enum ProposalState {
  pending = 'pending',
  approved = 'approved',
  rejected = 'rejected',
  dismissed = 'dismissed',
}
registerEnumType(ProposalState, { name: 'ProposalState' });

@ObjectType({ description: 'A named address of an app (`lan`, `cluster`, `mdns`…).' })
export class AppEndpoint {
  @Field() name!: string;
  @Field() address!: string;
}

@ObjectType({ description: 'Every field of a route as stored (Nekzus names).' })
export class RouteSettings {
  @Field(() => ID) routeId!: string;
  @Field() appId!: string;
  @Field() pathBase!: string;
  @Field() to!: string;
  @Field() containerId!: string;
  @Field(() => [String]) scopes!: string[];
  @Field() publicAccess!: boolean;
  @Field() websockets!: boolean;
  @Field() stripPrefix!: boolean;
  @Field() stripResponseCookies!: boolean;
  @Field() rewriteCookiePaths!: boolean;
  @Field() rewriteHTML!: boolean;
  @Field() persistCookies!: boolean;
  @Field({ description: 'path, subdomain, both, or empty for the default.' })
  routingMode!: string;
  @Field() subdomain!: string;
  @Field(() => [String]) excludePaths!: string[];
  @Field() healthCheckPath!: string;
  @Field() healthCheckTimeout!: string;
  @Field() healthCheckInterval!: string;
  @Field(() => [Int]) expectedStatusCodes!: number[];
  @Field() skipHealthCheck!: boolean;
  @Field({ description: 'Accept any upstream certificate (self-signed LAN devices).' })
  tlsSkipVerify!: boolean;
  @Field({ description: "Send the client's Host; false sends the target URL's host." })
  preserveHost!: boolean;
  @Field(() => Float, {
    description:
      'Request bodies above this many bytes answer 413; 0: proxy.max_request_body_bytes.',
  })
  maxBodyBytes!: number;
  @Field(() => Int, { description: 'Requests per minute and client address; 0: no limit.' })
  rateLimitPerMinute!: number;
  @Field(() => Int) rateLimitBurst!: number;
}

@ObjectType({ description: 'A route, as `GET /api/v1/routes/{routeId}` shows it, and its app.' })
export class Route extends RouteSettings {
  @Field(() => RouteStatus) status!: RouteStatus;
  @Field() createdAt!: string;
  @Field() updatedAt!: string;
}

@ObjectType({ description: 'An app, as `GET /api/v1/apps/{appId}` shows it, and its routes.' })
export class App {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() icon!: string;
  @Field(() => [String]) tags!: string[];
  @Field(() => [AppEndpoint]) endpoints!: AppEndpoint[];
  @Field() faviconUrl!: string;
}

@ObjectType()
export class AvailablePort {
  @Field(() => Int) port!: number;
  @Field() scheme!: string;
}

@ObjectType({ description: 'The app a proposal suggests.' })
export class SuggestedApp {
  @Field() id!: string;
  @Field() name!: string;
  @Field({ nullable: true }) icon?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
}

@ObjectType({
  description: 'A discovery proposal, as `GET /api/v1/discovery/proposals/{id}` shows it.',
})
export class Proposal {
  @Field(() => ID) id!: string;
  @Field() source!: string;
  @Field() detectedScheme!: string;
  @Field() detectedHost!: string;
  @Field(() => Int) detectedPort!: number;
  @Field(() => [AvailablePort]) availablePorts!: AvailablePort[];
  @Field(() => Float) confidence!: number;
  @Field(() => SuggestedApp) suggestedApp!: SuggestedApp;
  @Field(() => RouteSettings) suggestedRoute!: RouteSettings;
  @Field(() => [String]) tags!: string[];
  @Field() lastSeen!: string;
  @Field(() => [String]) securityNotes!: string[];
  @Field(() => ProposalState) state!: ProposalState;
  @Field() present!: boolean;
  @Field(() => [String]) reasons!: string[];
  @Field() firstSeen!: string;
  @Field({ nullable: true }) decidedBy?: string;
  @Field({ nullable: true }) reason?: string;
}

@ObjectType({ description: 'What approving a proposal created.' })
export class ProposalApproval {
  @Field() id!: string;
  @Field(() => App) app!: App;
  @Field(() => RouteSettings) route!: RouteSettings;
}

@ObjectType({ description: 'The outcome of rejecting or dismissing a proposal.' })
export class ProposalDecision {
  @Field() id!: string;
  @Field() status!: string;
}

@ObjectType()
export class Rediscovery {
  @Field(() => Int) dismissedCleared!: number;
  @Field(() => Int) activeCleared!: number;
}

@ObjectType({ description: "A paired device (Nekzus's device object)." })
export class Device {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() platform!: string;
  @Field() platformVersion!: string;
  @Field(() => [String]) scopes!: string[];
  @Field() pairedAt!: string;
  @Field() lastSeen!: string;
  @Field({ description: 'online or offline.' }) status!: string;
  @Field(() => Int) requestsToday!: number;
}

@ObjectType()
export class DeviceRevocation {
  @Field() deviceId!: string;
  @Field() status!: string;
  @Field() message!: string;
  @Field() revokedAt!: string;
}

@ObjectType({ description: 'An API key, without the key itself.' })
export class ApiKey {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() prefix!: string;
  @Field(() => [String]) scopes!: string[];
  @Field({ nullable: true }) expiresAt?: string;
  @Field() createdAt!: string;
  @Field({ nullable: true }) createdBy?: string;
  @Field({ nullable: true }) revokedAt?: string;
}

@ObjectType({ description: 'A new API key: `key` is shown here and nowhere else, ever.' })
export class CreatedApiKey {
  @Field() key!: string;
  @Field(() => ApiKey) apiKey!: ApiKey;
}

@ObjectType({ description: 'One entry of the activity feed (contract A §9.2).' })
export class ActivityItem {
  @Field() id!: string;
  @Field() type!: string;
  @Field({ description: 'A lucide icon name.' }) icon!: string;
  @Field({ description: 'success, warning, error, or empty.' }) iconClass!: string;
  @Field() message!: string;
  @Field({ nullable: true }) details?: string;
  @Field(() => Float, { description: 'Unix time, milliseconds.' }) timestamp!: number;
}

@ObjectType({ description: 'One event of the log as the audit log shows it.' })
export class AuditEntry {
  @Field(() => Int, { description: 'Position in the log.' }) position!: number;
  @Field() timestamp!: string;
  @Field() action!: string;
  @Field() actorKind!: string;
  @Field() actorId!: string;
  @Field({ nullable: true }) actorName?: string;
  @Field() actorIp!: string;
  @Field() targetType!: string;
  @Field() targetId!: string;
  @Field({ nullable: true }) targetName?: string;
  @Field() success!: boolean;
  @Field({ nullable: true }) error?: string;
  @Field({ nullable: true, description: "The event's data as JSON, secrets masked." })
  details?: string;
  @Field() eventId!: string;
  @Field() eventType!: string;
  @Field() stream!: string;
  @Field() correlationId!: string;
  @Field({ nullable: true }) causationId?: string;
}

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
}

/** A Relay connection type (`<Name>Connection` of `<Name>Edge`s) over `node`. */
function connectionOf<T>(node: Type<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field({ description: 'Opaque; pass it as `after` for the entries after this one.' })
    cursor!: string;
    @Field(() => node) node!: T;
  }
  @ObjectType(`${name}Connection`, { isAbstract: true })
  class ConnectionType {
    @Field(() => [EdgeType]) edges!: EdgeType[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
  }
  return ConnectionType;
}

@ObjectType('AuditLogConnection', { description: 'A page of the audit log, newest first.' })
export class AuditLogConnection extends connectionOf(AuditEntry, 'AuditLog') {}

@ObjectType('ActivityConnection', { description: 'A page of the activity feed, newest first.' })
export class ActivityConnection extends connectionOf(ActivityItem, 'Activity') {
  @Field(() => Int, { description: 'Entries the feed holds in all.' }) totalCount!: number;
}

@ObjectType({ description: 'One dashboard card.' })
export class StatCard {
  @Field(() => Float) value!: number;
  @Field() trend!: string;
  @Field() trendUp!: boolean;
}

@ObjectType({ description: 'The dashboard cards, as GET /api/v1/stats.' })
export class Stats {
  @Field(() => StatCard) routes!: StatCard;
  @Field(() => StatCard) devices!: StatCard;
  @Field(() => StatCard) discoveries!: StatCard;
  @Field(() => StatCard) requests!: StatCard;
}

@ObjectType({ description: 'Quick numbers for the phone app, as GET /api/v1/stats/quick.' })
export class QuickStats {
  @Field(() => Int) servicesTotal!: number;
  @Field(() => Int) servicesOnline!: number;
  @Field(() => Int) servicesOffline!: number;
  @Field(() => Int) devicesTotal!: number;
  @Field(() => Int) devicesOnline!: number;
  @Field(() => Int) routesTotal!: number;
  @Field(() => Int) requestsToday!: number;
  @Field(() => Float, { description: 'Milliseconds.' }) avgLatency!: number;
  @Field(() => Float) uptimePercent!: number;
}

@ObjectType()
export class ProjectionHealth {
  @Field() name!: string;
  @Field() kind!: string;
  @Field() state!: string;
  @Field(() => Float) position!: number;
  @Field(() => Float) lag!: number;
  @Field({ nullable: true }) lastError?: string;
}

@ObjectType({ description: 'As `GET /healthz`: `degraded` when a projection has failed.' })
export class Health {
  @Field() status!: string;
  @Field() ready!: boolean;
  @Field(() => Float) eventStoreHead!: number;
  @Field(() => [ProjectionHealth]) projections!: ProjectionHealth[];
}

@ObjectType({ description: 'A recorded event of the log, as the event store holds it.' })
export class RecordedEventView {
  @Field() id!: string;
  @Field() stream!: string;
  @Field(() => Float) revision!: number;
  @Field(() => Float) position!: number;
  @Field() type!: string;
  @Field(() => Int) schemaVersion!: number;
  @Field({ description: 'The event data as JSON, secrets masked as in the audit log.' })
  data!: string;
  @Field({ description: 'The metadata (actor, correlation, causation), as JSON.' })
  metadata!: string;
  @Field() recordedAt!: string;
}

@ObjectType({ description: "A transition of an app's health (never every probe)." })
export class HealthChange {
  @Field() appId!: string;
  @Field() appName!: string;
  @Field() routeId!: string;
  @Field() proxyPath!: string;
  @Field({ description: 'healthy or unhealthy.' }) status!: string;
  @Field({ description: 'The status before.' }) previous!: string;
  @Field() message!: string;
  @Field() at!: string;
}

/* Inputs */

@InputType()
export class AppEndpointInput {
  @Field() name!: string;
  @Field() address!: string;
}

@InputType({ description: 'The fields to change (`PATCH /api/v1/routes/{routeId}`).' })
export class RoutePatch {
  @Field({ nullable: true }) appId?: string;
  @Field({ nullable: true }) pathBase?: string;
  @Field({ nullable: true }) to?: string;
  @Field({ nullable: true }) containerId?: string;
  @Field(() => [String], { nullable: true }) scopes?: string[];
  @Field({ nullable: true }) publicAccess?: boolean;
  @Field({ nullable: true }) websockets?: boolean;
  @Field({ nullable: true }) stripPrefix?: boolean;
  @Field({ nullable: true }) stripResponseCookies?: boolean;
  @Field({ nullable: true }) rewriteCookiePaths?: boolean;
  @Field({ nullable: true }) rewriteHTML?: boolean;
  @Field({ nullable: true }) persistCookies?: boolean;
  @Field({ nullable: true }) routingMode?: string;
  @Field({ nullable: true }) subdomain?: string;
  @Field(() => [String], { nullable: true }) excludePaths?: string[];
  @Field({ nullable: true }) healthCheckPath?: string;
  @Field({ nullable: true }) healthCheckTimeout?: string;
  @Field({ nullable: true }) healthCheckInterval?: string;
  @Field(() => [Int], { nullable: true }) expectedStatusCodes?: number[];
  @Field({ nullable: true }) skipHealthCheck?: boolean;
  @Field({ nullable: true }) tlsSkipVerify?: boolean;
  @Field({ nullable: true }) preserveHost?: boolean;
  @Field(() => Float, { nullable: true }) maxBodyBytes?: number;
  @Field(() => Int, { nullable: true }) rateLimitPerMinute?: number;
  @Field(() => Int, { nullable: true }) rateLimitBurst?: number;
  @Field({ nullable: true, description: 'Icon of the app, when it is registered with the route.' })
  icon?: string;
  @Field({ nullable: true, description: 'Name of the app, when it is registered with the route.' })
  appName?: string;
}

/** The patch's fields, with the four a new route cannot do without made required. */
@InputType({ description: 'A route to add; the fields of `POST /api/v1/routes`.' })
export class RouteInput extends RoutePatch {
  @Field() routeId!: string;
  @Field() declare appId: string;
  @Field() declare pathBase: string;
  @Field() declare to: string;
}

@InputType({ description: 'An app to register (`POST /api/v1/apps`).' })
export class AppInput {
  @Field() id!: string;
  @Field() name!: string;
  @Field({ nullable: true }) icon?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [AppEndpointInput], { nullable: true }) endpoints?: AppEndpointInput[];
}

@InputType({ description: 'The fields to change (`PATCH /api/v1/apps/{appId}`).' })
export class AppPatch {
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) icon?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => [AppEndpointInput], { nullable: true }) endpoints?: AppEndpointInput[];
}

@InputType({ description: 'What an administrator may change when approving a proposal.' })
export class ApprovalOverridesInput {
  @Field(() => Int, { nullable: true }) port?: number;
  @Field({ nullable: true }) appId?: string;
  @Field({ nullable: true }) name?: string;
  @Field({ nullable: true }) icon?: string;
  @Field({ nullable: true }) pathBase?: string;
  @Field({ nullable: true }) subdomain?: string;
  @Field(() => [String], { nullable: true }) scopes?: string[];
  @Field({ nullable: true }) stripPrefix?: boolean;
  @Field({ nullable: true }) websockets?: boolean;
}

@InputType()
export class ProposalFilter {
  @Field({ nullable: true, description: 'docker, kubernetes, kubernetes-ingress or mdns.' })
  source?: string;
  @Field(() => ProposalState, { nullable: true }) state?: ProposalState;
}

@InputType({ description: 'As the query of `GET /api/v1/audit-logs`; every field narrows.' })
export class AuditLogFilter {
  @Field({ nullable: true, description: 'RFC 3339 time, inclusive.' }) since?: string;
  @Field({ nullable: true, description: 'RFC 3339 time, inclusive.' }) until?: string;
  @Field({ nullable: true, description: 'An actor id, or kind:id.' }) actor?: string;
  @Field({ nullable: true }) action?: string;
  @Field({ nullable: true, description: 'A target id, or type:id.' }) target?: string;
  @Field({ nullable: true }) correlationId?: string;
}

@InputType({ description: 'Which recorded events to stream; both narrow, both optional.' })
export class EventFilter {
  @Field(() => [String], { nullable: true, description: 'Event types, e.g. RouteAdded.' })
  types?: string[];
  @Field(() => [String], { nullable: true, description: 'Stream name prefixes, e.g. route-.' })
  streams?: string[];
}

@InputType({ description: 'A new API key (`POST /api/v1/apikeys`).' })
export class CreateApiKeyInput {
  @Field() name!: string;
  @Field(() => [String]) scopes!: string[];
  @Field({ nullable: true, description: 'RFC 3339 time; never expires when left out.' })
  expiresAt?: string;
}
