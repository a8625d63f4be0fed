import asyncio
import os

from caracalai import Caracal

caracal = Caracal()
resource_id = os.environ["CARACAL_RESOURCE_ID"]
resource_path = os.environ["CARACAL_RESOURCE_PATH"]

async def main():
    async with caracal.spawn():
        request = caracal.gateway_request(resource_id, resource_path)
        async with caracal.transport() as client:
            response = await client.post(
                request.url,
                headers=request.headers,
                json={"amount": 1200},
            )
            print(response.text)

asyncio.run(main())
