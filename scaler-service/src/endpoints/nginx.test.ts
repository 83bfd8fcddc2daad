import { describe, expect, it } from 'vitest';
import { renderUpstream } from './nginx.js';

const time = new Date('2025-01-01T00:00:00Z');

describe('renderUpstream', () => {
  it('renders one server per endpoint', () => {
    const text = renderUpstream(
      'my-web',
      [
        { instanceId: 3n, replicaIndex: 0, ip: '127.0.0.1', port: 20000 },
        { instanceId: 7n, replicaIndex: 1, ip: '127.0.0.1', port: 20001 },
      ],
      { revision: 4n, time },
    );
    expect(text).toBe(
      [
        '# autoserve: healthy endpoints of app "my-web", revision 4, 2025-01-01T00:00:00.000Z',
        'upstream autoserve_my_web {',
        '    server 127.0.0.1:20000; # instance 3, replica 0',
        '    server 127.0.0.1:20001; # instance 7, replica 1',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('an empty set stays valid nginx: one server marked down', () => {
    expect(renderUpstream('web', [], { revision: 1, time })).toContain('server 127.0.0.1:1 down;');
  });
});
