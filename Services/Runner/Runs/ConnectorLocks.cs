using ConnectorHealth.ServiceDefaults;
using Medallion.Threading;
using Medallion.Threading.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// A PostgreSQL advisory lock per connector (DistributedLock.Postgres), held by the replica running one of its
/// scheduled slots for the length of the run. PostgreSQL lets go of it when the holder's connection ends, so a slot
/// found under way whose lock is free belongs to a replica that stopped: it is run again, late and once.
/// </summary>
/// <remarks>
/// Locks share connections (the library's multiplexing). A replica that vanishes without closing its connections (a
/// machine lost, not a process stopped) would hold them until the server noticed; the lock connections therefore ask
/// the server to end them after <c>Runner:FailoverAfter</c> idle (<c>idle_session_timeout</c>), and stay busy with a
/// keepalive three times as often while their replica lives (and leave the pool before the server ends them).
/// </remarks>
public sealed class ConnectorLocks
{
    private readonly string _connectionString;
    private readonly TimeSpan _keepalive;

    public ConnectorLocks(IConfiguration configuration, IOptions<RunnerOptions> options)
    {
        var failoverAfter = options.Value.FailoverAfter;
        var connection = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString(ResourceNames.Database)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ResourceNames.Database} is not set."))
        {
            // One pool of lock connections per replica (the library shares connections by connection string): replicas in
            // one process, as in tests, then never share a session, whose advisory locks would let both in.
            ApplicationName = $"runner-locks-{Guid.NewGuid().ToString("N")[..8]}",
            Options = $"-c idle_session_timeout={(long)failoverAfter.TotalMilliseconds}",
            // A connection back in the pool holds no lock: closed well before the server would end it.
            ConnectionIdleLifetime = Math.Max(1, (int)(failoverAfter.TotalSeconds / 3)),
            ConnectionPruningInterval = 1,
        };
        _connectionString = connection.ConnectionString;
        _keepalive = failoverAfter / 3;
    }

    /// <summary>
    /// The connector's lock if no one holds it now; null when another run of it is under way (on any replica). Its
    /// <see cref="IDistributedSynchronizationHandle.HandleLostToken"/> fires if the lock is lost (its connection ended).
    /// </summary>
    public async Task<IDistributedSynchronizationHandle?> TryAcquireAsync(string connector, CancellationToken cancellationToken) =>
        await new PostgresDistributedLock(
                new PostgresAdvisoryLockKey($"connectorhealth.runner.connector:{connector}", allowHashing: true),
                _connectionString,
                o => o.KeepaliveCadence(_keepalive))
            .TryAcquireAsync(TimeSpan.Zero, cancellationToken);
}
