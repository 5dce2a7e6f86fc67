#!/usr/bin/env bash
# gongjian: install or upgrade from this offline bundle, with no network at all.
#
#   sudo ./install.sh [--prefix /opt/gongjian] [--var-dir DIR] [--python python3.11]
#                     [--demo] [--systemd] [--user gongjian] [--no-backup]
#
# Needs Python 3.11 with its venv module (Debian: python3.11-venv). Installs into
# PREFIX/versions/<version> (a virtualenv, every package from ./wheels, never an index),
# points PREFIX/venv at it, writes PREFIX/gongjian.env once (a new secret key; kept on
# upgrade), runs the migrations and collects the static files. On an upgrade it first
# takes a backup with the installed version (`gongjian backup`): the database and the
# uploaded files stay where they are (the var directory), only the code changes.
#   --demo      load the Jinzhou demo (does nothing when it is already loaded)
#   --systemd   also install and start the systemd units (web server and job worker)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VERSION=$(cat "$HERE/VERSION")
PREFIX=/opt/gongjian
VAR_DIR=
PYTHON=python3.11
DEMO=0
SYSTEMD=0
SERVICE_USER=gongjian
BACKUP=1

usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "安装失败:$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --var-dir) VAR_DIR=$2; shift 2 ;;
    --python) PYTHON=$2; shift 2 ;;
    --demo) DEMO=1; shift ;;
    --systemd) SYSTEMD=1; shift ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --no-backup) BACKUP=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "未知参数 $1" ;;
  esac
done

mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
VAR_DIR=${VAR_DIR:-$PREFIX/var}
ENV_FILE=$PREFIX/gongjian.env
TARGET=$PREFIX/versions/$VERSION
started=$(date +%s)

# --- the interpreter ---------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "找不到 $PYTHON(需要 Python 3.11,--python 指定路径)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || die "$PYTHON 不是 Python 3.11($("$PYTHON" --version 2>&1));本安装包的依赖为 3.11 编译"
"$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
  || die "$PYTHON 缺少 venv/ensurepip 模块(Debian/Ubuntu:安装 python3.11-venv)"
( cd "$HERE" && sha256sum --quiet -c SHA256SUMS ) || die "安装包文件校验失败(SHA256SUMS),请重新拷贝"

# --- the settings, once --------------------------------------------------------------
mkdir -p "$VAR_DIR"
if [ ! -f "$ENV_FILE" ]; then
  secret=$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(64))')
  umask 077
  cat > "$ENV_FILE" <<EOF
# gongjian settings, read by $PREFIX/bin/gongjian and the systemd units (docs/security.md)
GONGJIAN_ENV=production
GONGJIAN_SECRET_KEY=$secret
GONGJIAN_VAR_DIR=$VAR_DIR
# the names and addresses browsers use to reach this server, comma-separated
GONGJIAN_ALLOWED_HOSTS=127.0.0.1,localhost,$(hostname)
GONGJIAN_SITE_URL=http://$(hostname):8000
# plain HTTP on the intranet; behind an HTTPS reverse proxy set these to 1 and add
# GONGJIAN_PROXY_SSL_HEADER=1 and GONGJIAN_CSRF_TRUSTED_ORIGINS=https://<name>
GONGJIAN_SECURE_COOKIES=0
GONGJIAN_SSL_REDIRECT=0
GONGJIAN_HSTS_SECONDS=0
# PostgreSQL instead of the SQLite file in the var directory:
# DATABASE_URL=postgres://gongjian@127.0.0.1:5432/gongjian
EOF
  umask 022
  echo "已写入配置 $ENV_FILE(新生成的密钥;升级时保留)"
fi
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a

# --- an upgrade: a backup with the installed version first -------------------------------
OLD_VERSION=
if [ -x "$PREFIX/venv/bin/gongjian" ]; then
  OLD_VERSION=$("$PREFIX/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("gongjian"))' 2>/dev/null || true)
fi
running=()
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for unit in gongjian-web gongjian-jobs; do
    systemctl is-active --quiet "$unit" 2>/dev/null && running+=("$unit")
  done
fi
if [ -n "$OLD_VERSION" ]; then
  echo "升级:$OLD_VERSION → $VERSION(数据库与上传文件保留在 $VAR_DIR)"
  if [ ${#running[@]} -gt 0 ]; then
    echo "停止服务:${running[*]}"
    systemctl stop "${running[@]}"
  fi
  if [ "$BACKUP" = 1 ]; then
    mkdir -p "$VAR_DIR/backups"
    backup="$VAR_DIR/backups/before-upgrade-$OLD_VERSION-to-$VERSION-$(date +%Y%m%d-%H%M%S).tar.gz"
    "$PREFIX/venv/bin/gongjian" backup --output "$backup" \
      || die "升级前备份失败,未做任何改动(--no-backup 可跳过,不建议)"
  fi
fi

# --- the virtualenv, from ./wheels only -------------------------------------------------
echo "安装 gongjian $VERSION 到 $TARGET"
# (a virtualenv's scripts name its path: it is built where it stays)
rm -rf "$TARGET"
"$PYTHON" -m venv "$TARGET"
# --isolated: this machine's pip configuration (an index, extra links) plays no part
PIP=("$TARGET/bin/python" -m pip --isolated --disable-pip-version-check --no-cache-dir --quiet)
"${PIP[@]}" install --no-index --find-links "$HERE/wheels" --upgrade pip
"${PIP[@]}" install --no-index --find-links "$HERE/wheels" "gongjian==$VERSION"
ln -sfn "versions/$VERSION" "$PREFIX/venv.new" && mv -T "$PREFIX/venv.new" "$PREFIX/venv"

# PREFIX/bin/gongjian: the console command with the settings of gongjian.env
mkdir -p "$PREFIX/bin"
cat > "$PREFIX/bin/gongjian" <<EOF
#!/bin/sh
# gongjian with the settings of $ENV_FILE
set -a; . "$ENV_FILE"; set +a
exec "$PREFIX/venv/bin/gongjian" "\$@"
EOF
chmod 755 "$PREFIX/bin/gongjian"
GJ=$PREFIX/bin/gongjian

# --- the database and the static files ---------------------------------------------------
"$GJ" migrate --no-input -v 1
"$GJ" collectstatic --no-input -v 0
if [ "$DEMO" = 1 ]; then
  echo "载入演示数据(锦州 2024)…"
  "$GJ" demo
fi

# --- systemd -------------------------------------------------------------------------
mkdir -p "$PREFIX/systemd"
for unit in gongjian-web gongjian-jobs; do
  sed -e "s|@PREFIX@|$PREFIX|g" -e "s|@USER@|$SERVICE_USER|g" \
    "$HERE/systemd/$unit.service" > "$PREFIX/systemd/$unit.service"
done
if [ "$SYSTEMD" = 1 ]; then
  id -u "$SERVICE_USER" >/dev/null 2>&1 \
    || useradd --system --home-dir "$PREFIX" --shell /usr/sbin/nologin "$SERVICE_USER"
  chown -R "$SERVICE_USER": "$VAR_DIR"
  chgrp "$SERVICE_USER" "$ENV_FILE" && chmod 640 "$ENV_FILE"
  cp "$PREFIX/systemd/"*.service /etc/systemd/system/
  systemctl daemon-reload
  systemctl enable --now gongjian-web gongjian-jobs
  running=()
elif [ ${#running[@]} -gt 0 ]; then
  chown -R "$SERVICE_USER": "$VAR_DIR" 2>/dev/null || true
  systemctl start "${running[@]}"
fi
# older versions: kept for a rollback (ln -sfn versions/<old> venv, then gongjian restore)
echo
echo "gongjian $VERSION 已安装($(( $(date +%s) - started )) 秒)。"
cat <<EOF

命令(已带上 $ENV_FILE 的配置):
  $GJ serve --bind 127.0.0.1:8000     # 网页服务(gunicorn),先试运行
  $GJ qcluster                        # 后台任务进程(django-q2:导入、定时任务)
  $GJ createsuperuser                 # 第一个管理员;或 $GJ setup-city <代码> --year <年> --office <登录名>
  $GJ backup                          # 备份数据库与上传文件到 $VAR_DIR/backups
EOF
[ "$DEMO" = 1 ] && echo "  $GJ demo_logins                     # 演示账号与密码"
if [ "$SYSTEMD" = 0 ]; then
  cat <<EOF

作为系统服务运行(systemd;单元文件已生成在 $PREFIX/systemd/):
  useradd --system --home-dir $PREFIX --shell /usr/sbin/nologin $SERVICE_USER
  chown -R $SERVICE_USER: $VAR_DIR && chgrp $SERVICE_USER $ENV_FILE && chmod 640 $ENV_FILE
  cp $PREFIX/systemd/gongjian-web.service $PREFIX/systemd/gongjian-jobs.service /etc/systemd/system/
  systemctl daemon-reload && systemctl enable --now gongjian-web gongjian-jobs
(或重新运行 ./install.sh --systemd 自动完成以上步骤)
EOF
fi
