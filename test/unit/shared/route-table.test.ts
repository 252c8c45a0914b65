import { describe, expect, it } from 'vitest';
import { makeRouteTable } from '#shared/route-table';

const table = makeRouteTable([
  'GET /api/channels',
  'POST /api/channels',
  'GET /api/channels/{channelId}',
  'DELETE /api/channels/{channelId}',
  'GET /api/channels/featured',
  'GET /api/files/{path+}',
]);

describe('the route table', () => {
  it('names the methods of every route a path matches, in the order declared', () => {
    expect(table.methodsFor('/api/channels')).toEqual(['GET', 'POST']);
    expect(table.methodsFor('/api/channels/42')).toEqual(['GET', 'DELETE']);
  });

  it('counts a literal segment and a parameter that both match', () => {
    expect(table.methodsFor('/api/channels/featured')).toEqual(['GET', 'DELETE']);
  });

  it('lets a greedy parameter take the non-empty rest of the path', () => {
    expect(table.methodsFor('/api/files/a/b/c')).toEqual(['GET']);
    expect(table.methodsFor('/api/files/')).toEqual([]);
  });

  it('matches no route for an unknown path, an empty parameter, a trailing slash or an extra segment', () => {
    for (const path of ['/api/nope', '/api/channels//', '/api/channels/', '/api/channels/42/x', '/']) {
      expect(table.methodsFor(path), path).toEqual([]);
    }
  });
});
