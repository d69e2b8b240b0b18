using ConnectorHealth.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace ConnectorHealth.IntegrationTests;

[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresServer postgres)
{
    [Fact]
    public async Task EachTestDatabaseStartsEmptyAndAnswersQueries()
    {
        await using var dataSource = await postgres.CreateDatabaseAsync("smoke");

        var tables = (long)(await dataSource.CreateCommand(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
            .ExecuteScalarAsync())!;

        Assert.Equal(0, tables);
    }
}

[Collection(RabbitMQCollection.Name)]
public sealed class RabbitMQServerTests(RabbitMQServer rabbit)
{
    [Fact]
    public async Task TheBrokerComesBackAfterARestartWithItsDurableQueues()
    {
        var queue = $"smoke-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { Uri = rabbit.Uri };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }

        await rabbit.StopAsync();
        await rabbit.StartAsync();

        await using var again = await factory.CreateConnectionAsync();
        await using var check = await again.CreateChannelAsync();
        var declared = await check.QueueDeclarePassiveAsync(queue);
        Assert.Equal(queue, declared.QueueName);
    }
}
