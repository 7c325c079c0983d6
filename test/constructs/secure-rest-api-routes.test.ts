import type { IConstruct } from 'constructs';
import { HTTP_METHODS, HttpMethod } from '../../lib/contracts/route-permissions';
import {
  defaultRouteCategory, isCorsPreflight, isRouteMethod, RouteCategory, routeKey, routePathParameters, stageResourcePath,
} from '../../lib/constructs/secure-rest-api/routes';

/** The route rules of SecureRestApi as plain functions: no App, no synth. */

// Errors name the construct path; a bare node is all the checks read.
const scope = { node: { path: 'Stack/Api' } } as IConstruct;

describe('routes', () => {
  test('a route declares one HTTP method of the authorizer\'s route table, never ANY', () => {
    // HTTP_METHODS lists the enum's members one by one (so handler bundles hold strings only): exactly the enum, in order.
    expect(HTTP_METHODS).toEqual(Object.values(HttpMethod));
    for (const method of HTTP_METHODS) expect(isRouteMethod(method)).toBe(true);
    for (const method of ['ANY', 'get', 'TRACE', 'CONNECT', '', undefined]) expect(isRouteMethod(method)).toBe(false);
  });

  test('routes that change data are WRITE by default, the others READ', () => {
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => defaultRouteCategory(m as any))).toEqual(Array(4).fill(RouteCategory.WRITE));
    expect(['GET', 'HEAD', 'OPTIONS'].map((m) => defaultRouteCategory(m as any))).toEqual(Array(3).fill(RouteCategory.READ));
  });

  test('the stage names a resource path as "/" and the path with every "/" escaped as "~1"', () => {
    expect(stageResourcePath('/')).toBe('/');
    expect(stageResourcePath('/notes')).toBe('/~1notes');
    expect(stageResourcePath('/notes/{id}')).toBe('/~1notes~1{id}');
    expect(stageResourcePath('/auth/token/x')).toBe('/~1auth~1token~1x');
  });

  test('a route key is the upper-case method and the path as declared', () => {
    expect(routeKey('get', '/notes/{id}')).toBe('GET /notes/{id}');
  });

  test('path parameters are returned in order', () => {
    expect(routePathParameters(scope, 'path', '/')).toEqual([]);
    expect(routePathParameters(scope, 'path', '/notes')).toEqual([]);
    expect(routePathParameters(scope, 'path', '/a/{first}/b/{second_2}')).toEqual(['first', 'second_2']);
  });

  test('fails if a path does not start with "/", ends with "/", has an empty, greedy or malformed segment, or repeats a parameter', () => {
    expect(() => routePathParameters(scope, 'path', 'notes')).toThrow(/^Stack\/Api: invalid path = "notes"\. Fix: start the path with "\/"/);
    expect(() => routePathParameters(scope, 'path', '/notes/')).toThrow(/do not end it with "\/"/);
    expect(() => routePathParameters(scope, 'path', '/a//b')).toThrow(/segment ""/);
    expect(() => routePathParameters(scope, 'path', '/{proxy+}')).toThrow(/greedy \{proxy\+\} is not allowed/);
    expect(() => routePathParameters(scope, 'path', '/a b')).toThrow(/segment "a b"/);
    expect(() => routePathParameters(scope, 'path', '/{1id}')).toThrow(/segment "\{1id\}"/);
    expect(() => routePathParameters(scope, 'path', '/a/{id}/b/{id}')).toThrow(/parameter \{id\} appears twice/);
  });

  test('a CORS preflight is an OPTIONS method whose every response is 204 with an Access-Control-Allow-* header', () => {
    const preflight = [{ statusCode: '204', responseParameters: { 'method.response.header.Access-Control-Allow-Origin': true } }];
    expect(isCorsPreflight('OPTIONS', preflight)).toBe(true);
    expect(isCorsPreflight('GET', preflight)).toBe(false);
    expect(isCorsPreflight('OPTIONS', undefined)).toBe(false);
    expect(isCorsPreflight('OPTIONS', [])).toBe(false);
    expect(isCorsPreflight('OPTIONS', [{ statusCode: '200', responseParameters: preflight[0].responseParameters }])).toBe(false);
    expect(isCorsPreflight('OPTIONS', [{ statusCode: '204', responseParameters: { 'method.response.header.Access-Control-Allow-Origin': false } }]))
      .toBe(false);
  });
});
