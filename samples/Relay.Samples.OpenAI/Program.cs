using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

var client = new ChatClient("openai/gpt-4o-mini", new ApiKeyCredential("any"),
    new OpenAIClientOptions { Endpoint = new Uri("http://127.0.0.1:8787/v1") });
await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Write a haiku")]))
    foreach (var part in update.ContentUpdate) Console.Write(part.Text);
