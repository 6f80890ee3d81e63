# The linkage image used by docker-compose.yml (API, relay and agency consumers).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY services ./services
COPY adapters ./adapters
RUN pip install --no-cache-dir .
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["linkage", "serve", "--host", "0.0.0.0", "--port", "8000"]
