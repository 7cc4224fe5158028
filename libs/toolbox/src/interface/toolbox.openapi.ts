import type { SchemaObject } from '@nestjs/swagger';

/** OpenAPI schemas of the toolbox views (`toolbox.controller.ts`); titled ones become components. */

const str = { type: 'string' };
const int = { type: 'integer' };
const strings = { type: 'array', items: str };
const time = { type: 'string', format: 'date-time' };

const VARIABLE_SCHEMA: SchemaObject = {
  title: 'ToolboxVariable',
  type: 'object',
  required: ['name', 'label', 'description', 'required', 'type'],
  properties: {
    name: str,
    label: str,
    description: str,
    required: { type: 'boolean' },
    default: str,
    message: { type: 'string', description: 'From `${NAME:?message}`: why it is required.' },
    type: { type: 'string', enum: ['text', 'number', 'password'] },
  },
};

export const TEMPLATE_SCHEMA: SchemaObject = {
  title: 'ToolboxService',
  type: 'object',
  required: ['id', 'name', 'description', 'category', 'env_vars', 'image', 'services'],
  properties: {
    id: str,
    name: str,
    description: str,
    category: str,
    icon: str,
    image_url: str,
    repository_url: str,
    documentation: str,
    tags: strings,
    env_vars: { type: 'array', items: VARIABLE_SCHEMA },
    image: { type: 'string', description: "The primary service's image." },
    default_port: int,
    services: {
      type: 'array',
      items: { type: 'object', required: ['name', 'image'], properties: { name: str, image: str } },
    },
    ignored_keys: { ...strings, description: 'Compose keys a deployment does not honour.' },
  },
};

export const CATALOG_SCHEMA: SchemaObject = {
  title: 'ToolboxCatalog',
  type: 'object',
  required: ['services', 'count'],
  properties: {
    services: { type: 'array', items: TEMPLATE_SCHEMA },
    count: int,
    broken: {
      type: 'array',
      description: 'Templates that do not parse, with the reason.',
      items: { type: 'object', properties: { id: str, reason: str } },
    },
    enabled: { type: 'boolean', description: 'Present (false) when the toolbox is off.' },
  },
};

export const DEPLOYMENT_SCHEMA: SchemaObject = {
  title: 'ToolboxDeployment',
  type: 'object',
  required: [
    'id',
    'service_template_id',
    'service_name',
    'status',
    'container_name',
    'project_name',
    'containers',
    'network_names',
    'volume_names',
    'env_vars',
    'deployed_by',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: str,
    service_template_id: str,
    service_name: str,
    status: { type: 'string', enum: ['pending', 'deploying', 'deployed', 'stopped', 'failed'] },
    container_id: str,
    container_name: str,
    project_name: str,
    containers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['service', 'id', 'name'],
        properties: { service: str, id: str, name: str },
      },
    },
    network_names: strings,
    volume_names: strings,
    env_vars: {
      type: 'object',
      additionalProperties: str,
      description: 'Variables as deployed; secret ones as `********`.',
    },
    custom_port: int,
    error_message: str,
    failed_phase: str,
    progress: { type: 'object', description: 'Phase and per-service state while it runs.' },
    deployed_at: time,
    deployed_by: str,
    created_at: time,
    updated_at: time,
  },
};

export const DEPLOYMENTS_SCHEMA: SchemaObject = {
  title: 'ToolboxDeployments',
  type: 'object',
  required: ['deployments', 'count'],
  properties: {
    deployments: { type: 'array', items: DEPLOYMENT_SCHEMA },
    count: int,
    enabled: { type: 'boolean' },
  },
};

export const DEPLOY_ACCEPTED_SCHEMA: SchemaObject = {
  title: 'ToolboxDeployAccepted',
  type: 'object',
  required: ['deployment_id', 'status', 'message', 'deployment'],
  properties: { deployment_id: str, status: str, message: str, deployment: DEPLOYMENT_SCHEMA },
};

export const REMOVED_SCHEMA: SchemaObject = {
  title: 'ToolboxDeploymentRemoved',
  type: 'object',
  required: ['message'],
  properties: { message: str },
};
