using System.Net.ServerSentEvents;
using ConnectorHealth.Alerting.LiveAlerts;
using Microsoft.Extensions.Logging.Abstractions;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class AlertFanOutTests
{
    [Fact]
    public async Task AStreamThatFallsBehindIsDroppedWhileTheOthersGetEveryEvent()
    {
        var fanOut = new AlertFanOut(NullLogger<AlertFanOut>.Instance);
        using var slow = fanOut.Subscribe(buffer: 4);
        using var reading = fanOut.Subscribe(buffer: 4);
        var received = new List<string?>();

        for (var i = 0; i < 10; i++)
        {
            fanOut.Publish(new SseItem<object?>(i, "raised") { EventId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            received.Add((await reading.Reader.ReadAsync()).EventId);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), received);
        Assert.False(reading.Dropped);
        Assert.True(slow.Dropped);
        // The slow stream keeps what its buffer held, then ends: its client reconnects and reads the list again.
        var kept = new List<string?>();
        await foreach (var item in slow.Reader.ReadAllAsync())
        {
            kept.Add(item.EventId);
        }
        Assert.Equal(["0", "1", "2", "3"], kept);
        Assert.Equal(1, fanOut.Count);
    }

    [Fact]
    public void AClosedStreamIsNoLongerFedAndNothingIsHeldForIt()
    {
        var fanOut = new AlertFanOut(NullLogger<AlertFanOut>.Instance);
        var subscription = fanOut.Subscribe();
        Assert.Equal(1, fanOut.Count);

        subscription.Dispose();
        fanOut.Publish(new SseItem<object?>(null, "heartbeat"));

        Assert.Equal(0, fanOut.Count);
        Assert.False(subscription.Dropped);
        Assert.True(subscription.Reader.Completion.IsCompleted);
    }
}
