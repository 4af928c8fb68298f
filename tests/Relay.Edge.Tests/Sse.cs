using System.Net.Http.Headers;
using System.Text;
using Relay.Contracts;
using Relay.Contracts.Sse;

namespace Relay.Edge.Tests;

/// <summary>Small helpers to talk SSE to the edge in tests.</summary>
internal static class Sse
{
    public static HttpRequestMessage Post(string prompt = "Tell me something", string? streamId = null, string? model = null, int? maxTokens = null)
    {
        var body = new StringBuilder("{\"messages\":[{\"role\":\"user\",\"content\":").Append(System.Text.Json.JsonSerializer.Serialize(prompt)).Append("}]");
        if (streamId is not null)
        {
            body.Append(",\"stream_id\":\"").Append(streamId).Append('"');
        }

        if (model is not null)
        {
            body.Append(",\"model\":\"").Append(model).Append('"');
        }

        if (maxTokens is not null)
        {
            body.Append(",\"max_tokens\":").Append(maxTokens);
        }

        return new HttpRequestMessage(HttpMethod.Post, "v1/chat/stream")
        {
            Content = new StringContent(body.Append('}').ToString(), Encoding.UTF8, "application/json"),
        };
    }

    /// <summary>A POST of "Tell me something" with a PNG (given as base64) as an image part.</summary>
    public static HttpRequestMessage PostWithImage(string streamId, string base64) => new(HttpMethod.Post, "v1/chat/stream")
    {
        Content = new StringContent(
            $$$"""{"stream_id":"{{{streamId}}}","messages":[{"role":"user","content":[{"type":"text","text":"Tell me something"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{{base64}}}"}}]}]}""",
            Encoding.UTF8,
            "application/json"),
    };

    public static HttpRequestMessage Resume(string streamId, string? lastEventId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"v1/chat/stream/{streamId}");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        return request;
    }

    public static Task<List<StreamEvent>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ReadUntilAsync(response, static _ => false, cancellationToken);

    /// <summary>Reads events up to and including the first that matches <paramref name="last"/>, or to the end.</summary>
    public static async Task<List<StreamEvent>> ReadUntilAsync(HttpResponseMessage response, Func<StreamEvent, bool> last, CancellationToken cancellationToken)
    {
        Assert.Equal(new MediaTypeHeaderValue("text/event-stream"), response.Content.Headers.ContentType);
        var events = new List<StreamEvent>();
        await foreach (var frame in SseEventReader.ReadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken))
        {
            events.Add(StreamEventSerializer.Deserialize(frame.EventType, frame.Data, frame.LastEventId));
            if (last(events[^1]))
            {
                break;
            }
        }

        return events;
    }

    public static string Text(IEnumerable<StreamEvent> events) => string.Concat(events.OfType<DeltaEvent>().Select(d => d.Text));
}
