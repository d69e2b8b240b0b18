using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using Microsoft.Extensions.DependencyInjection;

namespace ConnectorHealth.UnitTests.Alerting;

public sealed class ReceiverSendersTests
{
    [Fact]
    public void EveryFormatHasExactlyOneRegisteredSender()
    {
        using var services = new ServiceCollection().AddReceiverSenders().AddReceiverSenders().BuildServiceProvider();

        var formats = services.GetServices<IReceiverSender>().Select(sender => sender.Format).Order().ToList();

        Assert.Equal(Enum.GetValues<ChannelFormat>(), formats);
        Assert.NotNull(services.GetRequiredService<ReceiverSenders>());
    }

    [Fact]
    public async Task AFormatNothingSendsToIsAFinalFailure()
    {
        var senders = new ReceiverSenders([new EmailSender()]);

        var outcome = await senders.SendAsync("hook", new ChannelOptions { Url = "https://hooks.example.com/x" }, Notice.Test("hook"), CancellationToken.None);

        Assert.Equal((false, true), (outcome.Delivered, outcome.Final));
        Assert.Equal("nothing sends to a Generic receiver", outcome.Error);
    }

    [Fact]
    public void TwoSendersForOneFormatAreRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new ReceiverSenders([new EmailSender(), new EmailSender()]));

        Assert.Contains("Email", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmailReceiverWithoutAServerIsAFinalFailureWithoutTryingToConnect()
    {
        var senders = new ReceiverSenders([new EmailSender()]);

        var outcome = await senders.SendAsync("mail", new ChannelOptions { Format = ChannelFormat.Email }, Notice.Test("mail"), CancellationToken.None);

        Assert.Equal((false, true), (outcome.Delivered, outcome.Final));
        Assert.Contains("SmtpHost", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ANoticeOfATestHasNoAlertsAndAGroupOfItsOwn()
    {
        var notice = Notice.Test("ops");

        Assert.Equal((NotificationKinds.Test, "ops", "test:ops", NoticeStatus.Firing), (notice.Kind, notice.Receiver, notice.GroupKey, notice.Status));
        Assert.Empty(notice.Alerts);
    }
}
