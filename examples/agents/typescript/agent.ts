import { Caracal } from "@caracalai/sdk";

const caracal = new Caracal();
const resourceId = process.env.CARACAL_RESOURCE_ID!;
const resourcePath = process.env.CARACAL_RESOURCE_PATH!;

await caracal.spawn(async () => {
  const request = caracal.gatewayRequest(resourceId, resourcePath);
  const response = await caracal.transport()(request.url, {
    method: "POST",
    headers: { ...request.headers, "Content-Type": "application/json" },
    body: JSON.stringify({ amount: 1200 }),
  });

  console.log(await response.text());
});
