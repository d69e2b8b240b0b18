using System.Net.Http.Json;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>A webhook: the notice as JSON, for any receiver that reads it.</summary>
public sealed class GenericWebhookSender(IHttpClientFactory http) : IReceiverSender
{
    public ChannelFormat Format => ChannelFormat.Generic;

    public Task<DeliveryOutcome> SendAsync(string name, ChannelOptions receiver, Notice notice, CancellationToken cancellationToken) =>
        ReceiverHttp.PostAsync(http.CreateClient(ReceiverSenders.HttpClientName), receiver.Url, JsonContent.Create(Body(notice)), cancellationToken);

    /// <summary>
    /// <c>{ kind, status, receiver, groupKey, groupLabels, alerts, alert, note, sentBy }</c>: <c>alert</c> is the one
    /// alert of a group of one (null otherwise), so a receiver written for one alert per message keeps working.
    /// </summary>
    public static object Body(Notice notice) => new
    {
        kind = notice.Kind,
        status = notice.Status,
        receiver = notice.Receiver,
        groupKey = notice.GroupKey,
        groupLabels = notice.GroupLabels,
        alerts = notice.Alerts,
        alert = notice.Alerts.Count == 1 ? notice.Alerts[0] : null,
        note = notice.Note,
        sentBy = "ConnectorHealth",
    };
}
