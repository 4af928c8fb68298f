using Microsoft.Extensions.AI;
using Relay.Client;
using Relay.Contracts;
using ChatMessage = Relay.Contracts.ChatMessage;

// An edge from `relay serve` (or the edge service) on its default address. EdgeClient uses the HttpClient as it is:
// give one that also serves long whole answers an infinite Timeout (streams are not bounded by it).
using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:8787/"), Timeout = Timeout.InfiniteTimeSpan };
var edge = new EdgeClient(http);
await foreach (var e in edge.StreamChatAsync(new ChatRequest { Messages = [ChatMessage.User("Write a haiku")] }))
{
    switch (e)
    {
        case DeltaEvent d: Console.Write(d.Text); break;
        case RestartedEvent: /* the answer starts over: clear what you showed */ break;
        case UsageEvent u: Console.Error.WriteLine($"{u.Usage.CompletionTokens} tokens"); break;
        case ErrorEvent x: Console.Error.WriteLine($"{x.Error.WireName}: {x.Error.Message}"); break;
    }
}

IChatClient chat = new RelayChatClient(new EdgeClient(http), "openai/gpt-4o-mini");
await foreach (var update in chat.GetStreamingResponseAsync("Write a haiku"))
    Console.Write(update.Text);
