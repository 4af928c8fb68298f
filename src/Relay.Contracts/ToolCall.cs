namespace Relay.Contracts;

/// <summary>A complete tool call the model asked for.</summary>
/// <param name="Id">The call's id, echoed back in the <see cref="ChatRole.Tool"/> message that answers it.</param>
/// <param name="Name">The function's name.</param>
/// <param name="Arguments">The arguments, a JSON text as the model wrote it.</param>
public sealed record ToolCall(string Id, string Name, string Arguments);
