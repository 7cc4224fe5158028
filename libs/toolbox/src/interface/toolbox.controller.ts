import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  type SchemaObject,
} from '@nestjs/swagger';
import { Ctx, JsonBodyPipe } from '#libs/http';
import { ValidationFailed, type CommandContext } from '#libs/kernel';
import type { ServiceTemplate } from '../domain';
import type { DeploymentRecord } from '../application/deployment-directory';
import { ToolboxService, type DeployBody } from '../application/toolbox.service';
import {
  CATALOG_SCHEMA,
  DEPLOY_ACCEPTED_SCHEMA,
  DEPLOYMENT_SCHEMA,
  DEPLOYMENTS_SCHEMA,
  REMOVED_SCHEMA,
  TEMPLATE_SCHEMA,
} from './toolbox.openapi';

const NOT_FOUND = 'SERVICE_NOT_FOUND / DEPLOYMENT_NOT_FOUND: no such id.';

const STATUSES = ['pending', 'deploying', 'deployed', 'stopped', 'failed'];

// Types only: ToolboxService lists every missing or bad field together.
const DEPLOY = {
  type: 'object',
  properties: {
    service_id: { type: 'string', maxLength: 64 },
    service_name: { type: 'string', maxLength: 128 },
    env_vars: {
      type: 'object',
      maxProperties: 200,
      propertyNames: { maxLength: 128 },
      additionalProperties: { type: ['string', 'number', 'boolean'] },
    },
    auto_start: { type: 'boolean' },
    custom_port: { type: 'integer' },
    custom_image: { type: 'string', maxLength: 512 },
  },
  additionalProperties: false,
} as const;

function templateView(t: ServiceTemplate) {
  return {
    id: t.id,
    name: t.meta.name,
    description: t.meta.description,
    category: t.meta.category,
    ...(t.meta.icon ? { icon: t.meta.icon } : {}),
    ...(t.meta.imageUrl ? { image_url: t.meta.imageUrl } : {}),
    ...(t.meta.repositoryUrl ? { repository_url: t.meta.repositoryUrl } : {}),
    ...(t.meta.documentation ? { documentation: t.meta.documentation } : {}),
    ...(t.meta.tags.length > 0 ? { tags: t.meta.tags } : {}),
    env_vars: t.envVars.map((v) => ({
      name: v.name,
      label: v.label,
      description: v.description,
      required: v.required,
      ...(v.default !== undefined ? { default: v.default } : {}),
      ...(v.message ? { message: v.message } : {}),
      type: v.type,
    })),
    image: t.image,
    ...(t.defaultPort ? { default_port: t.defaultPort } : {}),
    services: t.services,
    ...(t.ignored.length > 0 ? { ignored_keys: t.ignored } : {}),
  };
}

/** Contract B §6 deployment JSON, with secrets masked, plus live progress while it runs. */
function deploymentView(toolbox: ToolboxService, d: DeploymentRecord) {
  const progress = toolbox.progressOf(d.id);
  const primary = d.containers[0];
  return {
    id: d.id,
    service_template_id: d.serviceId,
    service_name: d.serviceName,
    status: d.status,
    ...(primary ? { container_id: primary.containerId.slice(0, 12) } : {}),
    container_name: d.projectName,
    project_name: d.projectName,
    containers: d.containers.map((c) => ({
      service: c.service,
      id: c.containerId.slice(0, 12),
      name: c.name,
    })),
    network_names: d.networks,
    volume_names: d.volumes,
    env_vars: toolbox.masked(d),
    ...(d.customPort ? { custom_port: d.customPort } : {}),
    ...(d.errorMessage ? { error_message: d.errorMessage } : {}),
    ...(d.failedPhase ? { failed_phase: d.failedPhase } : {}),
    ...(progress ? { progress } : {}),
    ...(d.deployedAt ? { deployed_at: d.deployedAt.toISOString() } : {}),
    deployed_by: d.deployedBy,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

/** The toolbox (contract B §6): the catalogue and one-click deployments. Administrators only. */
@ApiTags('toolbox')
@Controller('api/v1/toolbox')
export class ToolboxController {
  constructor(private readonly toolbox: ToolboxService) {}

  @Get('services')
  @ApiOperation({ summary: 'List the catalogue; templates that do not parse are under "broken"' })
  @ApiQuery({ name: 'category', required: false })
  @ApiOkResponse({ description: 'The catalogue.', schema: CATALOG_SCHEMA })
  services(@Query('category') category?: string) {
    if (!this.toolbox.enabled) return { services: [], count: 0, enabled: false };
    const { templates, broken } = this.toolbox.templates();
    const services = templates
      .filter((t) => !category || t.meta.category === category)
      .map(templateView);
    return { services, count: services.length, broken };
  }

  @Get('services/:id')
  @ApiOperation({ summary: 'One catalogue service with its variables' })
  @ApiOkResponse({ description: 'The service.', schema: TEMPLATE_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  service(@Param('id') id: string) {
    return templateView(this.toolbox.template(id));
  }

  @Post('deploy')
  @ApiOperation({ summary: 'Deploy a catalogue service (runs in the background; 202)' })
  @ApiBody({ schema: { title: 'ToolboxDeploy', ...DEPLOY } as unknown as SchemaObject })
  @ApiAcceptedResponse({ description: 'Accepted.', schema: DEPLOY_ACCEPTED_SCHEMA })
  @ApiBadRequestResponse({
    description: 'VALIDATION_FAILED: every missing or bad variable, listed in `details`.',
  })
  @ApiConflictResponse({ description: 'A deployment of this service name exists or is running.' })
  @HttpCode(202)
  async deploy(@Body(new JsonBodyPipe(DEPLOY)) body: DeployBody, @Ctx() ctx: CommandContext) {
    const d = await this.toolbox.deploy(body, ctx);
    return {
      deployment_id: d.id,
      status: d.status,
      message: `Deployment '${d.serviceName}' initiated`,
      deployment: deploymentView(this.toolbox, d),
    };
  }

  @Get('deployments')
  @ApiOperation({ summary: 'List deployments' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiOkResponse({ description: 'The deployments (`[]` when none).', schema: DEPLOYMENTS_SCHEMA })
  deployments(@Query('status') status?: string) {
    if (!this.toolbox.enabled) return { deployments: [], count: 0, enabled: false };
    if (status !== undefined && !STATUSES.includes(status))
      throw new ValidationFailed([{ field: 'status', message: `one of ${STATUSES.join(', ')}` }]);
    const deployments = this.toolbox.list(status).map((d) => deploymentView(this.toolbox, d));
    return { deployments, count: deployments.length };
  }

  @Get('deployments/:id')
  @ApiOperation({ summary: 'One deployment, with its progress while it runs' })
  @ApiOkResponse({ description: 'The deployment.', schema: DEPLOYMENT_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  deployment(@Param('id') id: string) {
    return deploymentView(this.toolbox, this.toolbox.get(id));
  }

  @Delete('deployments/:id')
  @ApiOperation({ summary: 'Remove a deployment; its volumes are kept unless removeVolumes=true' })
  @ApiQuery({ name: 'removeVolumes', required: false, enum: ['true', 'false'] })
  @ApiOkResponse({ description: 'Removed.', schema: REMOVED_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  async remove(
    @Param('id') id: string,
    @Ctx() ctx: CommandContext,
    @Query('removeVolumes') removeVolumes?: string,
  ) {
    if (removeVolumes !== undefined && removeVolumes !== 'true' && removeVolumes !== 'false')
      throw new ValidationFailed([{ field: 'removeVolumes', message: 'true or false' }]);
    await this.toolbox.remove(id, removeVolumes === 'true', ctx);
    return { message: 'Deployment removed successfully' };
  }

  @Post('deployments/:id/stop')
  @ApiOperation({ summary: "Stop a deployment's containers" })
  @ApiOkResponse({ description: 'The deployment.', schema: DEPLOYMENT_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @HttpCode(200)
  async stop(@Param('id') id: string, @Ctx() ctx: CommandContext) {
    return deploymentView(this.toolbox, await this.toolbox.stop(id, ctx));
  }

  @Post('deployments/:id/start')
  @ApiOperation({ summary: 'Start a stopped deployment, or deploy a pending or failed one' })
  @ApiOkResponse({ description: 'The deployment.', schema: DEPLOYMENT_SCHEMA })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  @HttpCode(200)
  async start(@Param('id') id: string, @Ctx() ctx: CommandContext) {
    return deploymentView(this.toolbox, await this.toolbox.start(id, ctx));
  }
}
