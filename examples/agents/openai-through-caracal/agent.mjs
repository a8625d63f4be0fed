// An agent that calls an OpenAI-compatible provider with the official `openai` client, through the
// Caracal Gateway. The agent holds no provider key: the Gateway injects the one stored on the
// resource. It holds only Caracal's short-lived token for that resource, which the SDK fetches.
import { Caracal } from "@caracalai/sdk";
import OpenAI from "openai";

const resource = process.env.CARACAL_LLM_RESOURCE ?? "resource://openai";
const model = process.env.LLM_MODEL ?? "gpt-4o-mini";

const caracal = new Caracal(); // CARACAL_CONFIG, set by `caracal run` or by you

await caracal.spawn(async () => {
  const openai = new OpenAI({
    baseURL: caracal.gatewayUrl(), // the Gateway forwards to the resource's upstream, e.g. https://api.openai.com/v1
    defaultHeaders: { "X-Caracal-Resource": resource },
    apiKey: () => caracal.token(resource), // Caracal's token for the resource, never the provider's key
    fetch: caracal.transport(),
  });

  const { data: completion, response } = await openai.chat.completions
    .create({ model, messages: [{ role: "user", content: "Say hello in five words." }] })
    .withResponse();
  console.log(completion.choices[0].message.content);
  console.error(`caracal request: ${response.headers.get("x-caracal-request-id")}`);

  const stream = await openai.chat.completions.create({
    model, messages: [{ role: "user", content: "Count to five." }], stream: true,
  });
  for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? "");
  process.stdout.write("\n");
});
