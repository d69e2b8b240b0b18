using MassTransit;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// How every consumer takes its messages: in batches of up to <see cref="MessageLimit"/>, or whatever arrived within
/// <see cref="TimeLimit"/> of the first, <see cref="ConcurrencyLimit"/> batches at once (MassTransit then prefetches room
/// for that many full batches).
/// </summary>
/// <remarks>
/// A batch costs its consumer a fixed number of statements and a transaction, and a run's rollup, state and ledger rows
/// are written once per connector per batch: the larger the batch under load, the less CPU each run costs the service
/// and the database. The time limit bounds what a quiet system adds to detection (a run waits at most this long).
/// </remarks>
public static class MessageBatches
{
    public const int MessageLimit = 250;

    public const int ConcurrencyLimit = 2;

    public static readonly TimeSpan TimeLimit = TimeSpan.FromMilliseconds(100);

    public static void Configure<TConsumer>(IConsumerConfigurator<TConsumer> consumer) where TConsumer : class =>
        consumer.Options<BatchOptions>(Configure);

    public static void Configure(BatchOptions batch) =>
        batch.SetMessageLimit(MessageLimit).SetTimeLimit(TimeLimit).SetConcurrencyLimit(ConcurrencyLimit);
}
