# influ_geo for a team: the Streamlit app on PostgreSQL, behind a reverse proxy.
#   docker build -t influ_geo .
#   docker run -d --name influ_geo --restart unless-stopped \
#     --env-file /etc/influ_geo/env \
#     -v /etc/influ_geo/secrets.toml:/etc/influ_geo/secrets.toml:ro \
#     -p 127.0.0.1:8501:8501 influ_geo
# Settings: deploy/env.example (database, map files path); editors: secrets.toml or
# INFLU_GEO_EDITORS in the env file; Streamlit options: deploy/streamlit-config.toml.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Every requirement ships a manylinux wheel (geopandas, shapely, pyproj, pyarrow,
# psycopg[binary]): no compiler, no system library to add.
COPY requirements.txt .
RUN pip install -r requirements.txt

RUN useradd --system --home-dir /var/lib/influ_geo --create-home influ_geo
COPY --chown=influ_geo:influ_geo deploy/streamlit-config.toml /var/lib/influ_geo/.streamlit/config.toml
# The code, the referential and the map files (.dockerignore leaves out secrets and stores).
COPY . .

USER influ_geo
ENV HOME=/var/lib/influ_geo \
    INFLU_GEO_VENDOR_URL=/influ_geo/app/static/vendor \
    INFLU_GEO_BAN_CACHE_DIR=/var/lib/influ_geo/cache/ban \
    INFLU_GEO_FETCH_DIR=/var/lib/influ_geo/raw
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/influ_geo/_stcore/health', timeout=4)"
# Inside the container the app listens on every interface; publish the port on 127.0.0.1 only.
CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
