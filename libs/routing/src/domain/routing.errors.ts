import { DomainError } from '#libs/kernel';

export class RouteNotFound extends DomainError {
  constructor(routeId: string) {
    super('ROUTE_NOT_FOUND', 'not_found', `route "${routeId}" does not exist`);
  }
}

export class RouteAlreadyExists extends DomainError {
  constructor(routeId: string) {
    super(
      'ROUTE_EXISTS',
      'conflict',
      `route "${routeId}" already exists; change it with PUT or PATCH`,
    );
  }
}

export class RouteConflict extends DomainError {
  constructor(message: string) {
    super('ROUTE_CONFLICT', 'conflict', message);
  }
}

export class AppNotFound extends DomainError {
  constructor(appId: string) {
    super('APP_NOT_FOUND', 'not_found', `app "${appId}" does not exist`);
  }
}

export class AppAlreadyExists extends DomainError {
  constructor(appId: string) {
    super('APP_EXISTS', 'conflict', `app "${appId}" already exists`);
  }
}
