using System.Text.Json;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>How a group's message is kept on its notification row (<c>alerting.notifications.body</c>).</summary>
internal static class NoticeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
